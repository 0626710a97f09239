import { KvError, type Mutation } from '@kverse/kv-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WatchHub, type WatchSink } from '../src/watch-hub.js';

let n = 0n;
function put(key: string, value = 'v'): Mutation {
  n += 1n;
  return { op: 'put', key, value, version: n, writer: 'w', timestamp: 0 };
}

function sink(opts: { congested?: boolean } = {}) {
  const got: Mutation[] = [];
  let ended: KvError | undefined | null = null;
  const s: WatchSink & { got: Mutation[]; ended: () => KvError | undefined | null; congested: boolean } = {
    got,
    congested: opts.congested ?? false,
    write(change) {
      got.push(change);
      return !s.congested;
    },
    end(err) {
      ended = err;
    },
    ended: () => ended,
  };
  return s;
}

describe('WatchHub', () => {
  it('delivers matching changes in order to key and prefix watchers', () => {
    const hub = new WatchHub();
    const byKey = sink();
    const byPrefix = sink();
    hub.watch({ key: 'a/1' }, byKey);
    hub.watch({ prefix: 'a/' }, byPrefix);
    hub.publish([put('a/1'), put('b/1'), put('a/2'), put('a/1')]);
    expect(byKey.got.map((c) => c.key)).toEqual(['a/1', 'a/1']);
    expect(byPrefix.got.map((c) => c.key)).toEqual(['a/1', 'a/2', 'a/1']);
  });

  it('buffers while a sink is congested and flushes on resume', () => {
    const hub = new WatchHub({ maxPending: 10 });
    const s = sink({ congested: true });
    const sub = hub.watch({ prefix: '' }, s);
    hub.publish([put('x'), put('y'), put('z')]);
    expect(s.got.map((c) => c.key)).toEqual(['x']);
    s.congested = false;
    sub.resume();
    expect(s.got.map((c) => c.key)).toEqual(['x', 'y', 'z']);
  });

  it('cuts off a watcher that falls too far behind, with the version to resume from, and frees it', () => {
    const hub = new WatchHub({ maxPending: 5 });
    const slow = sink({ congested: true });
    const fast = sink();
    hub.watch({ prefix: '' }, slow);
    hub.watch({ prefix: '' }, fast);
    const changes = Array.from({ length: 20 }, (_, i) => put(`k${i}`));
    hub.publish(changes);
    const err = slow.ended();
    expect(err).toBeInstanceOf(KvError);
    expect((err as KvError).code).toBe('KV_ERR_SLOW_CONSUMER');
    expect((err as KvError).details).toEqual({ resumeFromVersion: changes[0]!.version.toString() });
    expect(fast.got).toHaveLength(20);
    expect(hub.size).toBe(1);
  });

  it('keeps memory bounded for a stalled watcher however much is published', () => {
    const hub = new WatchHub({ maxPending: 100 });
    const stalled = sink({ congested: true });
    hub.watch({ prefix: '' }, stalled);
    for (let i = 0; i < 10_000; i++) hub.publish([put('hot')]);
    expect(stalled.got.length).toBe(1);
    expect(hub.size).toBe(0);
  });

  it('replays retained changes after fromVersion, then continues live', () => {
    const hub = new WatchHub({ retention: 100 });
    const first = put('r', '1');
    hub.publish([first, put('r', '2'), put('r', '3')]);
    const s = sink();
    hub.watch({ key: 'r' }, s, { fromVersion: first.version });
    hub.publish([put('r', '4')]);
    expect(s.got.map((c) => (c.op === 'put' ? c.value : ''))).toEqual(['2', '3', '4']);
  });

  it('refuses to resume from before the retained history', () => {
    const hub = new WatchHub({ retention: 2 });
    const first = put('c');
    hub.publish([first, put('c'), put('c'), put('c')]);
    expect(() => hub.watch({ key: 'c' }, sink(), { fromVersion: first.version })).toThrowError(/no longer retained/);
  });

  it('keeps exactly the last `retention` changes for resume, however they were published', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }),
        (retention, batches) => {
          const hub = new WatchHub({ retention });
          const all: Mutation[] = [];
          for (const size of batches) {
            const batch = Array.from({ length: size }, () => put('k'));
            all.push(...batch);
            hub.publish(batch);
          }
          const kept = retention === 0 ? [] : all.slice(-retention);
          const compactedThrough = all.length > kept.length ? all[all.length - kept.length - 1]!.version : -1n;
          for (const from of [all[0]!.version - 1n, compactedThrough - 1n, compactedThrough, all.at(-1)!.version]) {
            if (from < compactedThrough) {
              expect(() => hub.watch({ key: 'k' }, sink(), { fromVersion: from })).toThrowError(/no longer retained/);
            } else {
              const s = sink();
              hub.watch({ key: 'k' }, s, { fromVersion: from }).close();
              expect(s.got).toEqual(kept.filter((c) => c.version > from));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ends every watcher on closeAll and on close()', () => {
    const hub = new WatchHub();
    const a = sink();
    const b = sink();
    const subA = hub.watch({ prefix: '' }, a);
    hub.watch({ prefix: '' }, b);
    subA.close();
    expect(a.ended()).toBeUndefined();
    hub.closeAll(new KvError('KV_ERR_SHUTTING_DOWN', 'bye'));
    expect((b.ended() as KvError).code).toBe('KV_ERR_SHUTTING_DOWN');
    expect(hub.size).toBe(0);
  });
});
