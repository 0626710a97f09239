import { parseConfig } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { consumerConfigSpec } from '../src/config.js';
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

describe('KVERSE_CONSUMER_MAX_ATTEMPTS', () => {
  const env = {
    DATABASE_URL: 'postgres://x@localhost/x',
    AMQP_URL: 'amqp://localhost',
    REDIS_URL: 'redis://localhost',
  };

  it('stays below the delivery limit RabbitMQ 4.0–4.2 quorum queues apply on their own (20)', () => {
    expect(parseConfig(consumerConfigSpec, { ...env, KVERSE_CONSUMER_MAX_ATTEMPTS: '15' }).maxAttempts).toBe(15);
    expect(() => parseConfig(consumerConfigSpec, { ...env, KVERSE_CONSUMER_MAX_ATTEMPTS: '16' })).toThrowError(
      /KVERSE_CONSUMER_MAX_ATTEMPTS/,
    );
  });
});
