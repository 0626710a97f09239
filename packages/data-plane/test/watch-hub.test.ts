import { KvError, type Mutation, versionFromParts } from '@kverse/kv-core';
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
  it('keeps no more than retentionBytes of keys and values, dropping the oldest changes first', () => {
    const hub = new WatchHub({ historyFrom: 0n, retention: 1000, retentionBytes: 1000 });
    const big = Array.from({ length: 5 }, () => put('big', 'v'.repeat(300)));
    hub.publish(big);
    // 5 × 303 characters: the two oldest went, so a resume from the first is refused and one from the third replays.
    expect(() => hub.watch({ key: 'big' }, sink(), { fromVersion: big[0]!.version })).toThrow(
      expect.objectContaining({ code: 'KV_ERR_COMPACTED' }),
    );
    const resumed = sink();
    hub.watch({ key: 'big' }, resumed, { fromVersion: big[2]!.version });
    expect(resumed.got.map((c) => c.version)).toEqual([big[3]!.version, big[4]!.version]);
  });

  it('replays a resume over a gap longer than maxPending to a sink that takes one change at a time', () => {
    const hub = new WatchHub({ historyFrom: 0n, retention: 1000, maxPending: 10 });
    const changes = Array.from({ length: 100 }, () => put('gap'));
    hub.publish(changes);
    // Congested after every write, as a gRPC stream is after its buffer's 16 messages.
    const slow = sink({ congested: true });
    const sub = hub.watch({ key: 'gap' }, slow, { fromVersion: changes[0]!.version });
    // Published while it catches up: delivered after the history, in order.
    const extra = put('gap');
    hub.publish([extra]);
    for (let i = 0; i < 200 && slow.got.length < 100; i++) sub.resume();
    expect(slow.ended()).toBeNull();
    expect(slow.got.map((c) => c.version)).toEqual([...changes.slice(1), extra].map((c) => c.version));
    // Then live.
    const live = put('gap');
    sub.resume();
    hub.publish([live]);
    expect(slow.got.at(-1)).toBe(live);
  });

  it('ends a catching-up watch whose sink stalls once what it has to read next leaves the history', () => {
    const hub = new WatchHub({ historyFrom: 0n, retention: 50, maxPending: 10 });
    const changes = Array.from({ length: 40 }, () => put('stall'));
    hub.publish(changes);
    const stalled = sink({ congested: true });
    hub.watch({ key: 'stall' }, stalled, { fromVersion: changes[0]!.version });
    expect(stalled.got).toHaveLength(1);
    for (let i = 0; i < 60; i++) hub.publish([put('stall')]);
    expect(stalled.ended()).toMatchObject({ code: 'KV_ERR_SLOW_CONSUMER' });
    expect((stalled.ended() as KvError).details).toMatchObject({ resumeFromVersion: changes[1]!.version.toString() });
  });

  it('delivers a second change of the same version from a higher writer, and drops a repeat of either', () => {
    // Two front doors minting the first version of one millisecond: the store keeps writer b's, so must watchers.
    const hub = new WatchHub({ historyFrom: 0n });
    const w = sink();
    hub.watch({ key: 'same' }, w);
    const a: Mutation = { op: 'put', key: 'same', value: 'from a', version: 1_000n, writer: 'a', timestamp: 0 };
    const b: Mutation = { ...a, value: 'from b', writer: 'b' };
    hub.publish([a, b]);
    hub.publish([a, b]);
    expect(w.got.map((c) => (c.op === 'put' ? c.value : 'deleted'))).toEqual(['from a', 'from b']);
  });

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

  it("drops a key's change at or below the last version published for it: a repeat, or an older write arriving late", () => {
    const hub = new WatchHub({ historyFrom: 0n });
    const live = sink();
    hub.watch({ prefix: '' }, live);
    const older = put('k', 'older');
    const newer = put('k', 'newer');
    const other = put('j');
    // Two consumers committed k in turn; the second one's change arrived first. Then the first write is announced
    // again (a redelivery after a crash), and a change of another key.
    hub.publish([newer, older]);
    hub.publish([newer, other]);
    expect(live.got).toEqual([newer, other]);
    // Resuming replays the same: k never goes back to the older value.
    const resumed = sink();
    hub.watch({ prefix: '' }, resumed, { fromVersion: 0n });
    expect(resumed.got).toEqual([newer, other]);
  });

  it('resumes after the last change a watcher received, in arrival order, missing none that arrived later with a lower version', () => {
    fc.assert(
      fc.property(
        // Versions in any order (changes to different keys, minted before the queue, arrive roughly in version order
        // only), and where the watcher is cut short.
        fc.uniqueArray(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 2, maxLength: 40 }),
        fc.nat(),
        (versions, at) => {
          const changes: Mutation[] = versions.map((version, i) => ({
            op: 'put',
            key: `k${i}`,
            value: 'v',
            version,
            writer: 'w',
            timestamp: 0,
          }));
          const cut = 1 + (at % (changes.length - 1));
          const hub = new WatchHub({ historyFrom: 0n });
          const first = sink();
          const watch = hub.watch({ prefix: '' }, first);
          hub.publish(changes.slice(0, cut));
          watch.close();
          hub.publish(changes.slice(cut));
          const resumed = sink();
          hub.watch({ prefix: '' }, resumed, { fromVersion: first.got.at(-1)!.version });
          expect([...first.got, ...resumed.got]).toEqual(changes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a quiet watch begun on a hub holding nothing resumes with everything that arrived since, lower versions included', () => {
    const hub = new WatchHub({ historyFrom: 10n });
    let start: bigint | undefined;
    hub.watch({ prefix: '' }, { ...sink(), start: (p) => (start = p) }).close();
    expect(start).toBe(10n);
    // Minted before the hub began (another replica's write, delayed in the queue), applied after the watch started.
    const late: Mutation = { op: 'put', key: 'a', value: 'v', version: 5n, writer: 'w', timestamp: 0 };
    const next: Mutation = { op: 'put', key: 'b', value: 'v', version: 20n, writer: 'w', timestamp: 0 };
    hub.publish([late, next]);
    const resumed = sink();
    hub.watch({ prefix: '' }, resumed, { fromVersion: start! });
    expect(resumed.got).toEqual([late, next]);
  });

  it('a watcher cut off as too slow resumes with the changes it had pending, lower versions included', () => {
    const hub = new WatchHub({ historyFrom: 0n, maxPending: 2 });
    const slow = sink({ congested: true });
    hub.watch({ prefix: '' }, slow);
    const at = (key: string, version: bigint): Mutation => ({
      op: 'put',
      key,
      value: 'v',
      version,
      writer: 'w',
      timestamp: 0,
    });
    const changes = [at('a', 100n), at('b', 95n), at('c', 96n), at('d', 101n)];
    hub.publish(changes);
    const err = slow.ended() as KvError;
    expect(err.code).toBe('KV_ERR_SLOW_CONSUMER');
    const resume = BigInt((err.details as { resumeFromVersion: string }).resumeFromVersion);
    expect(resume).toBe(100n);
    const resumed = sink();
    hub.watch({ prefix: '' }, resumed, { fromVersion: resume });
    expect(resumed.got).toEqual(changes.slice(1));
  });

  it('forgets a key once its last change leaves the retained history', () => {
    const hub = new WatchHub({ retention: 2, historyFrom: 0n });
    const old = put('k', 'old');
    hub.publish([old, put('a'), put('b')]);
    const live = sink();
    hub.watch({ key: 'k' }, live);
    // Memory stays bounded by the retention: k is no longer known, so a repeat of its write passes again.
    hub.publish([old]);
    expect(live.got).toEqual([old]);
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
    const hub = new WatchHub({ retention: 100, historyFrom: 0n });
    const first = put('r', '1');
    hub.publish([first, put('r', '2'), put('r', '3')]);
    const s = sink();
    hub.watch({ key: 'r' }, s, { fromVersion: first.version });
    hub.publish([put('r', '4')]);
    expect(s.got.map((c) => (c.op === 'put' ? c.value : ''))).toEqual(['2', '3', '4']);
  });

  it('refuses to resume from before the retained history', () => {
    const hub = new WatchHub({ retention: 2, historyFrom: 0n });
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
          const hub = new WatchHub({ retention, historyFrom: 0n });
          const all: Mutation[] = [];
          for (const size of batches) {
            const batch = Array.from({ length: size }, () => put('k'));
            all.push(...batch);
            hub.publish(batch);
          }
          const kept = retention === 0 ? [] : all.slice(-retention);
          const compactedThrough = all.length > kept.length ? all[all.length - kept.length - 1]!.version : 0n;
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

  it('starts a fresh watch at the highest version published, and a resumed one at its fromVersion', () => {
    const hub = new WatchHub({ historyFrom: 0n });
    const starts: bigint[] = [];
    const startSink = () => ({ ...sink(), start: (position: bigint) => starts.push(position) });
    hub.watch({ prefix: '' }, startSink());
    const [a, b] = [put('a'), put('b')];
    hub.publish([b, a]);
    hub.watch({ prefix: '' }, startSink());
    hub.watch({ key: 'a' }, startSink(), { fromVersion: a.version });
    // Applied out of version order: the position is the highest, not the last.
    expect(starts).toEqual([0n, b.version, a.version]);
  });

  it('refuses, by default, to resume from before the hub existed: it never saw those changes', () => {
    const before = versionFromParts(Date.now() - 1000, 0);
    const hub = new WatchHub();
    expect(() => hub.watch({ key: 'k' }, sink(), { fromVersion: before })).toThrowError(/no longer retained/);
    const starts: bigint[] = [];
    hub.watch({ key: 'k' }, { ...sink(), start: (p) => starts.push(p) });
    expect(starts[0]).toBeGreaterThan(before);
    expect(() => hub.watch({ key: 'k' }, sink(), { fromVersion: starts[0]! })).not.toThrow();
  });

  it('ends every watch when the change stream is interrupted, refuses new ones until it is back, then refuses to resume across the hole', () => {
    const hub = new WatchHub({ historyFrom: 0n });
    const seen = sink();
    const quiet = sink();
    let quietStart: bigint | undefined;
    hub.watch({ prefix: '' }, seen);
    const first = put('k');
    hub.publish([first]);
    hub.watch({ key: 'other' }, { ...quiet, start: (p) => (quietStart = p) });
    const reason = new KvError('KV_ERR_UNAVAILABLE', 'stream down', { retryAfterSeconds: 1 });
    hub.interrupt(reason);
    expect(hub.size).toBe(0);
    for (const [s, resume] of [
      [seen, first.version],
      [quiet, quietStart],
    ] as const) {
      const err = s.ended() as KvError;
      expect(err.code).toBe('KV_ERR_UNAVAILABLE');
      expect(err.retryAfterSeconds).toBe(1);
      expect(err.details).toEqual({ resumeFromVersion: resume!.toString() });
    }
    expect(() => hub.watch({ prefix: '' }, sink())).toThrowError(/stream down/);

    const back = first.version + 1000n;
    hub.restart(back);
    // Changes applied while the stream was down never reached the hub: resuming from before `back` would skip them.
    expect(() => hub.watch({ prefix: '' }, sink(), { fromVersion: first.version })).toThrowError(/no longer retained/);
    const fresh = sink();
    let freshStart: bigint | undefined;
    hub.watch({ prefix: '' }, { ...fresh, start: (p) => (freshStart = p) });
    expect(freshStart).toBe(back);
    const later = { ...put('k'), version: back + 1n };
    hub.publish([later]);
    expect(fresh.got).toEqual([later]);
    const resumed = sink();
    hub.watch({ prefix: '' }, resumed, { fromVersion: back });
    expect(resumed.got).toEqual([later]);
  });

  it('refuses to resume across the hole even when a change from before it is announced again after it', () => {
    const hub = new WatchHub({ historyFrom: 0n });
    const seen = sink();
    hub.watch({ prefix: '' }, seen);
    const before = put('k');
    hub.publish([before]);
    hub.interrupt(new KvError('KV_ERR_UNAVAILABLE', 'stream down'));
    hub.restart(before.version + 1000n);
    // At least once: the consumer's redelivery after a broker restart announces the same write (same version) again.
    hub.publish([before]);
    expect(() => hub.watch({ prefix: '' }, sink(), { fromVersion: before.version })).toThrowError(/no longer retained/);
  });

  it('ends every watcher on closeAll and on close()', () => {
    const hub = new WatchHub();
    const a = sink();
    const b = sink();
    const subA = hub.watch({ prefix: '' }, a);
    hub.watch({ prefix: '' }, b);
    subA.close();
    expect(a.ended()).toBeUndefined();
    const last = put('x');
    hub.publish([last]);
    hub.closeAll(new KvError('KV_ERR_SHUTTING_DOWN', 'bye'));
    expect((b.ended() as KvError).code).toBe('KV_ERR_SHUTTING_DOWN');
    expect((b.ended() as KvError).details).toEqual({ resumeFromVersion: last.version.toString() });
    expect(hub.size).toBe(0);
  });
});
