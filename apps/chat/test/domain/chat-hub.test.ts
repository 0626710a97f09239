import type { KvError } from '@kverse/kv-core';
import { createLogger } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import type { InboundEnvelope, OutboundEvent } from '../../src/domain/chat-events.js';
import { ChatHub } from '../../src/domain/chat-hub.js';
import type { ChatLimits } from '../../src/domain/chat-limits.js';
import type { ChatSession } from '../../src/domain/chat-session.js';
import { MemoryBackplane } from '../../src/domain/memory-backplane.js';

const LIMITS: ChatLimits = {
  maxMessageBytes: 64,
  ratePerSecond: 1000,
  rateBurst: 1000,
  maxRoomsPerConnection: 2,
  sendQueueSize: 4,
};

class FakeClient {
  readonly events: OutboundEvent[] = [];
  failure: KvError | undefined;
  /** While false, the transport accepts one event and then reports its buffer full. */
  reading = true;
  session!: ChatSession;

  readonly sink = {
    write: (event: OutboundEvent) => {
      this.events.push(event);
      return this.reading;
    },
    fail: (error: KvError) => {
      this.failure = error;
    },
  };

  messages(room?: string) {
    return this.events
      .flatMap((e) => (e.kind === 'message' ? [e.record] : e.kind === 'batch' ? e.records : []))
      .filter((r) => !room || r.room === room);
  }

  of<K extends OutboundEvent['kind']>(kind: K) {
    return this.events.filter((e): e is Extract<OutboundEvent, { kind: K }> => e.kind === kind);
  }
}

function setup(limits: Partial<ChatLimits> = {}, historySize = 100, presenceIntervalMs = 0) {
  let now = 0;
  const hub = new ChatHub({
    limits: { ...LIMITS, ...limits },
    replicaId: 'r1',
    logger: createLogger({ name: 'test', level: 'silent' }),
    nowMs: () => now,
    presenceIntervalMs,
  });
  const backplane = new MemoryBackplane({ historySize, maxRooms: 100 }, hub);
  hub.attach(backplane);
  const connect = () => {
    const client = new FakeClient();
    client.session = hub.connect(client.sink);
    return client;
  };
  const send = async (client: FakeClient, envelope: InboundEnvelope) => {
    hub.receive(client.session, envelope);
    await client.session.inbox;
    await settle();
  };
  return { hub, backplane, connect, send, advance: (ms: number) => (now += ms) };
}

/** Lets fan-out (next turn of the event loop) and presence (a 0 ms timer) happen. */
const settle = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 1));

const join = (room: string, user: string): InboundEnvelope => ({ kind: 'join', requestId: `j-${user}`, room, user });
const say = (room: string, text: string, requestId = text): InboundEnvelope => ({
  kind: 'message',
  requestId,
  room,
  text,
});

describe('ChatHub', () => {
  it('delivers a room’s messages to every member in offset order, with dense offsets', async () => {
    const { connect, send } = setup();
    const clients = Array.from({ length: 5 }, () => connect());
    for (const [i, c] of clients.entries()) await send(c, join('lobby', `u${i}`));
    await Promise.all(clients.flatMap((c, i) => [0, 1, 2].map((k) => send(c, say('lobby', `m${i}-${k}`)))));
    const expected = clients[0]!.messages().map((m) => m.offset);
    expect(expected).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const c of clients)
      expect(c.messages().map((m) => `${m.offset}:${m.text}`)).toEqual(
        clients[0]!.messages().map((m) => `${m.offset}:${m.text}`),
      );
  });

  it('announces joins, leaves and presence, and cleans up a dropped connection at once', async () => {
    const { hub, connect, send } = setup();
    const ana = connect();
    const bob = connect();
    await send(ana, join('lobby', 'ana'));
    await send(bob, join('lobby', 'bob'));
    expect(ana.of('joined').map((e) => e.user)).toEqual(['ana']);
    expect(ana.of('presence').at(-1)).toMatchObject({ users: ['ana', 'bob'], joined: ['bob'], left: [] });
    hub.disconnect(bob.session);
    await settle();
    expect(ana.of('presence').at(-1)).toMatchObject({ users: ['ana'], joined: [], left: ['bob'] });
    expect(hub.connections).toBe(1);
  });

  it('sends joins and presence changes that happen close together as one presence event', async () => {
    const { hub, connect } = setup({}, 100, 30);
    const clients = Array.from({ length: 6 }, () => connect());
    for (const [i, c] of clients.entries()) hub.receive(c.session, join('r', `u${i}`));
    await Promise.all(clients.map((c) => c.session.inbox));
    await new Promise((resolve) => setTimeout(resolve, 80));
    const seen = clients[0]!.of('presence');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.users).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    expect(seen[0]!.joined).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    // Only the member's own join answer is a `joined` event: the others' joins came with presence.
    expect(clients[0]!.of('joined').map((e) => e.user)).toEqual(['u0']);
  });

  it('does not announce a join whose connection dropped while it read history', async () => {
    const { hub, connect, send, backplane } = setup();
    const ana = connect();
    await send(ana, join('lobby', 'ana'));
    // History reads take a while (as over the network), and the connection drops during one.
    const read = backplane.read.bind(backplane);
    let reading: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      reading = resolve;
    });
    backplane.read = async (...args) => {
      reading();
      await new Promise((r) => setTimeout(r, 20));
      return read(...args);
    };
    const ghost = connect();
    hub.receive(ghost.session, join('lobby', 'ghost'));
    await started;
    hub.disconnect(ghost.session);
    await ghost.session.inbox;
    await settle();
    const bob = connect();
    await send(bob, join('lobby', 'bob'));
    expect(bob.of('presence').at(-1)?.users).toEqual(['ana', 'bob']);
  });

  it('answers KV_ERR_UNAVAILABLE when the backplane fails, and keeps the connection', async () => {
    const { connect, send, backplane } = setup();
    const c = connect();
    await send(c, join('r', 'u'));
    const append = backplane.append.bind(backplane);
    backplane.append = async () => {
      throw new Error('connection refused');
    };
    await send(c, say('r', 'lost', 'x'));
    expect(c.of('error')).toEqual([expect.objectContaining({ requestId: 'x', code: 'KV_ERR_UNAVAILABLE', room: 'r' })]);
    expect(c.of('error')[0]!.message).not.toMatch(/refused/);
    backplane.append = append;
    await send(c, say('r', 'back'));
    expect(c.messages().map((m) => m.text)).toEqual(['back']);
  });

  it('resumes exactly after the last seen offset', async () => {
    const { connect, send } = setup();
    const writer = connect();
    await send(writer, join('r', 'w'));
    for (let i = 1; i <= 5; i++) await send(writer, say('r', `m${i}`));
    const epoch = writer.messages()[0]!.epoch;
    const reader = connect();
    await send(reader, { kind: 'resume', requestId: 'x', room: 'r', user: 'r', epoch, afterOffset: 2 });
    expect(reader.of('joined')[0]).toMatchObject({ resume: 'complete', firstOffset: 3, headOffset: 5 });
    expect(reader.messages().map((m) => m.offset)).toEqual([3, 4, 5]);
    await send(writer, say('r', 'm6'));
    expect(reader.messages().map((m) => m.offset)).toEqual([3, 4, 5, 6]);
  });

  it('says when the gap cannot be filled: history too short, or a different epoch', async () => {
    const { connect, send } = setup({}, 3);
    const writer = connect();
    await send(writer, join('r', 'w'));
    for (let i = 1; i <= 6; i++) await send(writer, say('r', `m${i}`));
    const epoch = writer.messages()[0]!.epoch;
    const late = connect();
    await send(late, { kind: 'resume', requestId: 'x', room: 'r', user: 'l', epoch, afterOffset: 1 });
    expect(late.of('joined')[0]).toMatchObject({ resume: 'gap', firstOffset: 4 });
    expect(late.messages().map((m) => m.offset)).toEqual([4, 5, 6]);
    const stranger = connect();
    await send(stranger, { kind: 'resume', requestId: 'y', room: 'r', user: 's', epoch: 'gone', afterOffset: 5 });
    expect(stranger.of('joined')[0]).toMatchObject({ resume: 'gap', firstOffset: 4 });
  });

  it('enforces size, rate and rooms-per-connection limits with clear codes, keeping the connection', async () => {
    const { connect, send, advance } = setup({ rateBurst: 5, ratePerSecond: 1 });
    const c = connect();
    await send(c, join('a', 'u'));
    await send(c, say('a', 'x'.repeat(65), 'big'));
    await send(c, join('b', 'u'));
    await send(c, join('c', 'u'));
    await send(c, say('a', 'ok1'));
    await send(c, say('a', 'ok2'));
    expect(c.of('error').map((e) => [e.requestId, e.code])).toEqual([
      ['big', 'KV_ERR_PAYLOAD_TOO_LARGE'],
      ['j-u', 'KV_ERR_LIMIT_EXCEEDED'],
      ['ok2', 'KV_ERR_RATE_LIMITED'],
    ]);
    advance(1000);
    await send(c, say('a', 'later'));
    expect(c.messages('a').map((m) => m.text)).toEqual(['ok1', 'later']);
    expect(c.failure).toBeUndefined();
  });

  it('answers invalid envelopes with an error and keeps serving', async () => {
    const { connect, send } = setup();
    const c = connect();
    await send(c, { kind: 'invalid', requestId: 'i', reason: 'garbage' });
    await send(c, join('bad room!', 'u'));
    await send(c, say('lobby', 'not joined', 'nj'));
    await send(c, join('lobby', ''));
    await send(c, join('lobby', 'u'));
    await send(c, say('lobby', 'hello'));
    expect(c.of('error').map((e) => e.code)).toEqual([
      'KV_ERR_INVALID_ARGUMENT',
      'KV_ERR_INVALID_ARGUMENT',
      'KV_ERR_PRECONDITION_FAILED',
      'KV_ERR_INVALID_ARGUMENT',
    ]);
    expect(c.messages().map((m) => m.text)).toEqual(['hello']);
  });

  it('disconnects a slow consumer with KV_ERR_SLOW_CONSUMER while others keep receiving', async () => {
    const { hub, connect, send } = setup({ sendQueueSize: 3 });
    const slow = connect();
    const fast = connect();
    await send(slow, join('r', 'slow'));
    await send(fast, join('r', 'fast'));
    slow.reading = false;
    for (let i = 0; i < 10; i++) await send(fast, say('r', `m${i}`));
    expect(slow.failure?.code).toBe('KV_ERR_SLOW_CONSUMER');
    expect(fast.messages()).toHaveLength(10);
    expect(hub.connections).toBe(1);
    expect(fast.of('presence').at(-1)?.users).toEqual(['fast']);
  });

  it('hands a burst to every member as one shared batch event, in offset order', async () => {
    const { hub, connect } = setup();
    const a = connect();
    const b = connect();
    hub.receive(a.session, join('r', 'a'));
    hub.receive(b.session, join('r', 'b'));
    await Promise.all([a.session.inbox, b.session.inbox]);
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) hub.receive(a.session, say('r', `m${i}`));
    await a.session.inbox;
    await new Promise((resolve) => setImmediate(resolve));
    const batchA = a.of('batch');
    const batchB = b.of('batch');
    expect(batchA).toHaveLength(1);
    expect(batchA[0]).toBe(batchB[0]);
    expect(batchA[0]!.records.map((r) => r.offset)).toEqual([1, 2, 3, 4, 5]);
  });

  it('delivers what waited in the queue once the transport drains', async () => {
    const { connect, send } = setup({ sendQueueSize: 10 });
    const reader = connect();
    const writer = connect();
    await send(reader, join('r', 'reader'));
    await send(writer, join('r', 'writer'));
    reader.reading = false;
    const before = reader.events.length;
    for (let i = 0; i < 5; i++) await send(writer, say('r', `m${i}`));
    expect(reader.events.length).toBe(before + 1);
    reader.reading = true;
    reader.session.resume();
    expect(reader.messages().map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});
