import { KvError } from '@kverse/kv-core';
import { describe, expect, it } from 'vitest';
import { deliveryBatchLength, isWriteFault, MAX_BATCH_BYTES } from '../src/write-consumer.js';

describe('isWriteFault', () => {
  it("takes a write's own content as the cause: validation errors, SQLSTATE classes 22 and 23", () => {
    expect(isWriteFault(new KvError('KV_ERR_INVALID_VALUE', 'NUL'))).toBe(true);
    expect(isWriteFault(new KvError('KV_ERR_VALUE_TOO_LARGE', 'big'))).toBe(true);
    expect(isWriteFault(Object.assign(new Error('invalid byte sequence'), { code: '22021' }))).toBe(true);
    expect(isWriteFault(Object.assign(new Error('unique violation'), { code: '23505' }))).toBe(true);
  });

  it('leaves everything else to the system, to be retried rather than dead-lettered', () => {
    expect(isWriteFault(new KvError('KV_ERR_UNAVAILABLE', 'down'))).toBe(false);
    expect(isWriteFault(Object.assign(new Error('serialization failure'), { code: '40001' }))).toBe(false);
    expect(isWriteFault(Object.assign(new Error('statement timeout'), { code: '57014' }))).toBe(false);
    expect(isWriteFault(Object.assign(new Error('no such table'), { code: '42P01' }))).toBe(false);
    expect(isWriteFault(Object.assign(new Error('protocol violation'), { code: '08P01' }))).toBe(false);
    expect(isWriteFault(new TypeError('a bug'))).toBe(false);
  });
});

describe('deliveryBatchLength', () => {
  const deliveries = (...sizes: number[]) => sizes.map((n) => ({ msg: { content: Buffer.alloc(n) } }));

  it('takes up to maxBatch deliveries while they stay within MAX_BATCH_BYTES', () => {
    expect(deliveryBatchLength(deliveries(10, 10, 10), 2)).toBe(2);
    expect(deliveryBatchLength(deliveries(10, 10, 10), 500)).toBe(3);
    const mib = 1024 * 1024;
    expect(deliveryBatchLength(deliveries(mib, mib, mib, mib, mib), 500)).toBe(4);
    expect(MAX_BATCH_BYTES).toBe(4 * mib);
  });

  it('always takes at least one, however large', () => {
    expect(deliveryBatchLength(deliveries(MAX_BATCH_BYTES * 2, 1), 500)).toBe(1);
    expect(deliveryBatchLength([], 500)).toBe(0);
  });
});
