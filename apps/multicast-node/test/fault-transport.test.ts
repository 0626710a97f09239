import { describe, expect, it } from 'vitest';
import { FaultTransport } from '../src/fault-transport.js';
import { MemoryNetwork } from '../src/memory-transport.js';

async function run(seed: number): Promise<{ received: string[]; counts: FaultTransport['counts'] }> {
  const net = new MemoryNetwork();
  const sender = net.attach('s');
  const receiver = new FaultTransport(net.attach('r'), {
    drop: 0.2,
    duplicate: 0.2,
    reorder: 0.3,
    maxDelayMs: 3,
    seed,
  });
  const received: string[] = [];
  receiver.onReceive((d) => received.push(d.toString()));
  for (let i = 0; i < 200; i++) sender.broadcast(Buffer.from(String(i)));
  await new Promise((r) => setTimeout(r, 50));
  await receiver.close();
  await sender.close();
  return { received, counts: receiver.counts };
}

describe('FaultTransport', () => {
  it('drops, duplicates and reorders, and the same seed makes the same decisions', async () => {
    const a = await run(42);
    const b = await run(42);
    expect(a.counts).toEqual(b.counts);
    expect(a.counts.received).toBe(200);
    expect(a.counts.dropped).toBeGreaterThan(20);
    expect(a.counts.duplicated).toBeGreaterThan(20);
    expect(a.counts.reordered).toBeGreaterThan(20);
    expect(a.received.length).toBe(200 - a.counts.dropped + a.counts.duplicated);
    // Held-back datagrams arrive after later ones.
    const order = a.received.map(Number);
    expect(order.some((v, i) => i > 0 && v < order[i - 1]!)).toBe(true);
    expect(new Set(a.received)).toEqual(new Set(b.received));
    const c = await run(43);
    expect(c.counts).not.toEqual(a.counts);
  });
});
