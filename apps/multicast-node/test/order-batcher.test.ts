import { describe, expect, it } from 'vitest';
import { type OrderBatch, OrderBatcher } from '../src/order-batcher.js';
import type { LogEntry } from '../src/order-log.js';
import { decode, encode } from '../src/wire.js';

const entry = (seq: number, epoch = 1, value = 'v'): LogEntry => ({
  origin: { from: 'n1', inc: 'ab', seq },
  cmd: { op: 'SET', key: `k${seq}`, value },
  epoch,
});

describe('OrderBatcher', () => {
  it('sends consecutive orders of one turn as one datagram, at the end of the turn', async () => {
    const sent: OrderBatch[] = [];
    const b = new OrderBatcher(8192, (batch) => sent.push(batch));
    for (let g = 1; g <= 10; g++) b.add(g, entry(g));
    expect(sent).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ epoch: 1, gseq: 1 });
    expect(sent[0]!.entries.map((e) => e.origin.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('starts a new datagram at a gap, at a new epoch, and before the byte limit, and every one fits', () => {
    const sent: OrderBatch[] = [];
    const b = new OrderBatcher(2048, (batch) => sent.push(batch));
    b.add(1, entry(1));
    b.add(3, entry(3));
    b.add(4, entry(4, 2));
    for (let g = 5; g <= 12; g++) b.add(g, entry(g, 2, 'x'.repeat(400)));
    b.flush();
    // A gap (2) and a new epoch (at 4) each start a datagram; the large entries then fill several.
    expect(sent.slice(0, 3).map((s) => [s.gseq, s.epoch])).toEqual([
      [1, 1],
      [3, 1],
      [4, 2],
    ]);
    expect(sent.length).toBeGreaterThan(4);
    expect(sent.flatMap((s) => s.entries.map((e) => e.origin.seq))).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const s of sent) expect(s.entries[0]!.origin.seq).toBe(s.gseq);
    for (const s of sent) {
      const bytes = encode({ v: 1, t: 'order', from: 'n1', ...s }, 2048);
      expect(decode(bytes, 2048).ok).toBe(true);
    }
  });
});
