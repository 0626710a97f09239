import type { ApplyOutcome, KvEngine, Write } from '@kverse/kv-core';
import { describe, expect, it } from 'vitest';
import { LocalWritePath } from '../src/local-write-path.js';

/** An engine that records the size of each batch it is handed. */
function recordingEngine(): { engine: KvEngine; batches: number[] } {
  const batches: number[] = [];
  const engine = {
    apply: async (batch: readonly Write[]): Promise<ApplyOutcome[]> => {
      batches.push(batch.length);
      return batch.map(() => 'applied');
    },
  } as unknown as KvEngine;
  return { engine, batches };
}

let version = 0n;
const put = (value: string): Write => ({
  op: 'put',
  key: `k${++version}`,
  value,
  version,
  writer: 'w',
  timestamp: Date.now(),
});

describe('LocalWritePath', () => {
  it('hands the engine the writes of one event-loop turn as one batch', async () => {
    const { engine, batches } = recordingEngine();
    const path = new LocalWritePath(engine);
    await Promise.all([put('a'), put('b'), put('c')].map((w) => path.submit(w)));
    expect(batches).toEqual([3]);
  });

  it('cuts batches at maxBatch writes and at maxBatchChars characters, taking at least one write', async () => {
    const { engine, batches } = recordingEngine();
    const path = new LocalWritePath(engine, { maxBatch: 2, maxBatchChars: 100 });
    const writes = [
      put('x'.repeat(10)),
      put('x'.repeat(10)),
      put('x'.repeat(10)),
      put('x'.repeat(90)),
      put('x'.repeat(500)),
    ];
    const results = await Promise.all(writes.map((w) => path.submit(w)));
    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    // Two 10s (maxBatch); a 10 alone (with the 90 and the keys it passes 100); the 90; the 500 alone, over the cap.
    expect(batches).toEqual([2, 1, 1, 1]);
  });
});
