import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Shutdown } from '../src/shutdown.js';

const logger = pino({ level: 'silent' });

describe('Shutdown', () => {
  it('closes the steps last-registered first, then exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = new Shutdown({ logger, exit: (code) => exits.push(code) });
    shutdown.add('server', () => void order.push('server'));
    shutdown.add('queue', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('queue');
    });
    shutdown.add('telemetry', () => void order.push('telemetry'));
    await shutdown.run('test');
    expect(order).toEqual(['telemetry', 'queue', 'server']);
    expect(exits).toEqual([]); // run() only closes; the signal handler exits
  });

  it('keeps closing the other steps when one fails, and runs them only once', async () => {
    const closed: string[] = [];
    const shutdown = new Shutdown({ logger, exit: () => undefined });
    shutdown.add('a', () => void closed.push('a'));
    shutdown.add('b', () => Promise.reject(new Error('boom')));
    shutdown.add('c', () => void closed.push('c'));
    const first = shutdown.run('one');
    expect(shutdown.run('two')).toBe(first);
    await first;
    expect(closed).toEqual(['c', 'a']);
  });

  it('exits 1 when the steps outlast the timeout', async () => {
    const exits: number[] = [];
    const shutdown = new Shutdown({ logger, timeoutMs: 20, exit: (code) => exits.push(code) });
    let release: () => void = () => {};
    shutdown.add('stuck', () => new Promise<void>((r) => (release = r)));
    const running = shutdown.run('test');
    await expect.poll(() => exits, { timeout: 2000, interval: 10 }).toEqual([1]);
    release();
    await running;
  });
});
