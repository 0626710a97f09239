import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../src/ids.js';

describe('PooledIdGenerator', () => {
  it('draws W3C-shaped ids that do not repeat across many pool refills', () => {
    const ids = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    // 10,000 of each draws 240 KB of ids, crossing the 16 KiB pool boundary 14 times, at both id lengths interleaved.
    for (let i = 0; i < 10_000; i++) {
      const traceId = ids.generateTraceId();
      const spanId = ids.generateSpanId();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(spanId).not.toBe('0'.repeat(16));
      traces.add(traceId);
      spans.add(spanId);
    }
    expect(traces.size).toBe(10_000);
    expect(spans.size).toBe(10_000);
  });

  it('spreads its hex digits evenly (ids are random, not a counter)', () => {
    const ids = new PooledIdGenerator();
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) for (const c of ids.generateTraceId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    // 128,000 digits: each of the 16 expected 8,000 times; a biased or sequential source lands far outside ±10 %.
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(Math.abs(n - 8_000)).toBeLessThan(800);
  });
});
