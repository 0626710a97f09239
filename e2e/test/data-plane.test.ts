import { ChatClient, type ChatClientEvent } from '@kverse/chat';
import { KvClient } from '@kverse/grpc-kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type Platform } from '../src/platform.js';
import { providerFromEnv, runId } from '../src/provider.js';
import { RestClient, type WatchedChange } from '../src/rest-client.js';
import { eventually } from '../src/run-command.js';

/**
 * The platform's front doors, end to end: REST and gRPC KV on one shared data plane (RabbitMQ → consumers →
 * PostgreSQL/CockroachDB, Redis cache), chat across replicas, multicast nodes converging in total order, and no
 * acknowledged write lost when a consumer dies. The same checks run on both providers (docs/e2e.md).
 */
const provider = providerFromEnv();
const run = `e2e-${runId()}`;
let platform: Platform;
let rest: RestClient;
let grpc: KvClient;

beforeAll(async () => {
  platform = await openPlatform(provider);
  rest = new RestClient(platform.restUrl, platform.token);
  grpc = new KvClient({ address: platform.grpcKvAddress, token: platform.token });
}, 900_000);

afterAll(async () => {
  grpc?.close();
  await platform?.close();
});

describe(`data plane on the ${provider} provider`, () => {
  it('REST: put, get, delete with read-your-writes (?wait=applied)', async () => {
    const key = `${run}/rest/a`;
    const put = await rest.put(key, 'one', true);
    expect(put.status).toBe(200);
    expect(put.body.status).toBe('applied');
    expect(await rest.get(key)).toMatchObject({ key, value: 'one', version: put.body.version });
    const removed = await rest.delete(key, true);
    expect(removed.status).toBe(200);
    expect(await rest.get(key)).toBeUndefined();
  });

  it('gRPC and REST share one keyspace: a write through either is read through the other', async () => {
    const key = `${run}/grpc/a`;
    const put = await grpc.put(key, 'from-grpc', true);
    expect(await rest.get(key)).toMatchObject({ value: 'from-grpc', version: put.version });
    const restPut = await rest.put(key, 'from-rest', true);
    expect(await grpc.get(key)).toMatchObject({ key, value: 'from-rest', version: restPut.body.version });
    await grpc.delete(key);
    await eventually(
      async () => (await rest.get(key)) === undefined,
      () => `${key} still readable after a gRPC delete`,
    );
    await expect(grpc.get(key)).rejects.toMatchObject({ code: 5 }); // NOT_FOUND
  });

  it('a REST write reaches a gRPC watcher, and a gRPC write reaches a REST (SSE) watcher, in order', async () => {
    const prefix = `${run}/watch/`;
    const seenByGrpc: string[] = [];
    const seenByRest: string[] = [];
    const stream = grpc.watch({ key: prefix, prefix: true });
    let probes = 0;
    // Probe events are counted apart: a late one (a probe sent before the watch was ready) must not enter the list.
    stream.on('data', (c: { type: string; key: string; value: string }) => {
      if (c.key === `${prefix}probe`) probes++;
      else seenByGrpc.push(`${c.type}:${c.key.slice(prefix.length)}:${c.value}`);
    });
    stream.on('error', () => undefined); // cancelled below
    const sse = rest.watchPrefix(prefix, (c: WatchedChange) => {
      if (c.key !== `${prefix}probe`) seenByRest.push(`${c.op}:${c.key.slice(prefix.length)}:${c.value ?? ''}`);
    });
    await sse.opened;
    // A gRPC watch has no "opened" message: wait until a probe write shows up on it.
    await eventually(
      async () => {
        await rest.put(`${prefix}probe`, 'p', true);
        return probes > 0;
      },
      () => 'the gRPC watch never delivered a change',
      30_000,
      1000,
    );
    await rest.put(`${prefix}x`, '1', true);
    await rest.put(`${prefix}x`, '2', true);
    await rest.delete(`${prefix}x`, true);
    await grpc.put(`${prefix}y`, '3', true);
    const expected = ['put:x:1', 'put:x:2', 'delete:x:', 'put:y:3'];
    await eventually(
      async () => seenByGrpc.length >= 4 && seenByRest.length >= 4,
      () => `gRPC saw ${JSON.stringify(seenByGrpc)}, SSE saw ${JSON.stringify(seenByRest)}`,
    );
    expect(seenByGrpc).toEqual([
      'EVENT_TYPE_PUT:x:1',
      'EVENT_TYPE_PUT:x:2',
      'EVENT_TYPE_DELETE:x:',
      'EVENT_TYPE_PUT:y:3',
    ]);
    expect(seenByRest).toEqual(expected);
    stream.cancel();
    sse.close();
  });

  it('chat: a message round-trips between two clients (on two replicas where there are two)', async () => {
    const room = `${run}-room`;
    const [addressA, addressB] = [platform.chatAddresses[0]!, platform.chatAddresses.at(-1)!];
    const inbox = { alice: [] as string[], bob: [] as string[] };
    const connected = { alice: false, bob: false };
    const client = (user: 'alice' | 'bob', server: string) =>
      new ChatClient({
        server,
        room,
        user,
        onEvent: (e: ChatClientEvent) => {
          if (e.kind === 'connection' && e.state === 'connected') connected[user] = true;
          if (e.kind === 'event' && e.event.message)
            inbox[user].push(`${e.event.message.user}: ${e.event.message.text}`);
        },
      });
    const alice = client('alice', addressA);
    const bob = client('bob', addressB);
    try {
      alice.start();
      bob.start();
      await eventually(
        async () => connected.alice && connected.bob,
        () => JSON.stringify(connected),
      );
      alice.send('hello bob');
      await alice.flushed();
      await eventually(
        async () => inbox.bob.includes('alice: hello bob'),
        () => `bob got ${JSON.stringify(inbox.bob)}`,
      );
      bob.send('hi alice');
      await bob.flushed();
      await eventually(
        async () => inbox.alice.includes('bob: hi alice'),
        () => `alice got ${JSON.stringify(inbox.alice)}`,
      );
      // Both see the room's messages in the same order.
      expect(inbox.alice).toEqual(['alice: hello bob', 'bob: hi alice']);
      expect(inbox.bob).toEqual(['alice: hello bob', 'bob: hi alice']);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('multicast: three nodes in ORDERING=total over unicast fan-out converge on concurrent conflicting SETs', async () => {
    const urls = platform.multicastUrls;
    expect(urls).toHaveLength(3);
    const state = async (url: string) =>
      (await (await fetch(`${url}/state`)).json()) as {
        node: string;
        ordering: { mode: string; pending: number; delivered: number; sequencer: string | null };
        snapshot: { entries: Record<string, string>; digest: string };
      };
    await eventually(
      async () => {
        const s = await Promise.all(urls.map(state));
        return (
          s.every((x) => x.ordering.mode === 'total' && x.ordering.sequencer) &&
          new Set(s.map((x) => x.ordering.sequencer)).size === 1
        );
      },
      async () => JSON.stringify((await Promise.all(urls.map(state))).map((x) => x.ordering)),
    );
    const keys = Array.from({ length: 5 }, (_, i) => `${run}-k${i}`);
    // Every node sets every key to its own index at the same time: without total order replicas would diverge.
    const answers = await Promise.all(
      urls.flatMap((url, n) =>
        keys.map((key) =>
          fetch(`${url}/command`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ op: 'SET', key, value: `node${n}` }),
          }),
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    await eventually(
      async () => {
        const s = await Promise.all(urls.map(state));
        return (
          s.every((x) => x.ordering.pending === 0 && keys.every((k) => x.snapshot.entries[k] !== undefined)) &&
          new Set(s.map((x) => x.snapshot.digest)).size === 1
        );
      },
      async () =>
        JSON.stringify((await Promise.all(urls.map(state))).map((x) => [x.node, x.ordering, x.snapshot.digest])),
      30_000,
    );
    const [first, ...others] = await Promise.all(urls.map(state));
    for (const other of others) expect(other.snapshot.entries).toEqual(first!.snapshot.entries);
  });

  it('a consumer killed mid-load loses no acknowledged write', async () => {
    const total = 400;
    const acknowledged = new Map<string, string>();
    let killed = '';
    let next = 0;
    // 8 concurrent writers; the consumer dies once a quarter of the writes were acknowledged.
    const writer = async () => {
      for (let i = next++; i < total; i = next++) {
        const key = `${run}/load/${i}`;
        const { status, body } = await rest.put(key, `v${i}`);
        expect([200, 202]).toContain(status);
        acknowledged.set(key, body.version);
        if (acknowledged.size === total / 4 && !killed) killed = await platform.killConsumer();
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    expect(killed).not.toBe('');
    expect(acknowledged.size).toBe(total);
    // Every acknowledged write must become readable with its version; `pending` shrinks as they show up.
    const pending = new Map(acknowledged);
    await eventually(
      async () => {
        for (const [key, version] of pending) if ((await rest.get(key))?.version === version) pending.delete(key);
        return pending.size === 0;
      },
      () =>
        `after killing ${killed}, ${pending.size} acknowledged writes never applied, e.g. ${[...pending.keys()].slice(0, 5)}`,
      120_000,
      1000,
    );
  });
});
