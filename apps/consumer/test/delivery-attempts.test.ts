import { describe, expect, it } from 'vitest';
import { deliveryAttempts } from '../src/write-consumer.js';

describe('deliveryAttempts', () => {
  it('is 1 on a first delivery, which carries no count', () => {
    expect(deliveryAttempts(undefined)).toBe(1);
    expect(deliveryAttempts({})).toBe(1);
  });

  it('counts every return in x-delivery-count (RabbitMQ before 4.3)', () => {
    expect(deliveryAttempts({ 'x-delivery-count': 4 })).toBe(5);
  });

  it('counts returns without a verdict from x-acquired-count (RabbitMQ 4.3 and later)', () => {
    // A replica crashed with the message six times: nothing was rejected, so x-delivery-count stays 0.
    expect(deliveryAttempts({ 'x-delivery-count': 0, 'x-acquired-count': 6 })).toBe(7);
    expect(deliveryAttempts({ 'x-acquired-count': 6 })).toBe(7);
    expect(deliveryAttempts({ 'x-delivery-count': 2, 'x-acquired-count': 6 })).toBe(7);
  });

  it('ignores a count that is not a non-negative number', () => {
    expect(deliveryAttempts({ 'x-delivery-count': 'many', 'x-acquired-count': -3 })).toBe(1);
    expect(deliveryAttempts({ 'x-delivery-count': 'many', 'x-acquired-count': 2 })).toBe(3);
  });
});
