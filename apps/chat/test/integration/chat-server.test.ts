import { Client, credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTestClient, metricValue, startTestServer, uniqueRoom } from './chat-test-client.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('chat server over real gRPC (one process, in-memory rooms)', () => {
  let server: Server;
  const clients: ChatTestClient[] = [];
  const connect = () => {
    const c = new ChatTestClient(server.address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer({
      ratePerSecond: 10_000,
      rateBurst: 10_000,
      sendQueueSize: 4096, // absorbs the ordering test’s burst: every member’s messages at once
      maxMessageBytes: 32_768,
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('keeps join/leave/message order within a room for many concurrent clients', async () => {
    const room = uniqueRoom('order');
    const members = Array.from({ length: 40 }, () => connect());
    for (const [i, c] of members.entries()) c.join(room, `user${i}`);
    await Promise.all(members.map((c) => c.waitFor((e) => e.joined?.room === room && e.requestId !== '', 'joined')));
    const perClient = 25;
    // Every client sends at once; each client's own messages must keep their order, and all clients must see
    // one and the same sequence with offsets 1..N.
    members.forEach((c, i) => {
      for (let k = 0; k < perClient; k++) c.say(room, `u${i}:${k}`);
    });
    const total = members.length * perClient;
    const seen = await Promise.all(members.map((c) => c.waitForMessages(room, total)));
    const reference = seen[0]!.map((m) => `${m.offset}|${m.text}`);
    expect(seen[0]!.map((m) => m.offset)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const s of seen) expect(s.map((m) => `${m.offset}|${m.text}`)).toEqual(reference);
    for (let i = 0; i < members.length; i++) {
      const mine = seen[0]!.filter((m) => m.user === `user${i}`).map((m) => m.text);
      expect(mine).toEqual(Array.from({ length: perClient }, (_, k) => `u${i}:${k}`));
    }

    // A leave is announced to the others, and presence shrinks.
    const leaver = members[5]!;
    leaver.send({ leave: { room } });
    await members[0]!.waitFor((e) => e.presence?.left.includes('user5') === true, 'user5 in presence.left');
    await members[0]!.waitFor(
      (e) => e.presence?.users.length === members.length - 1 && !e.presence.users.includes('user5'),
    );
  });

  it('resume after a dropped connection delivers exactly the missed messages', async () => {
    const room = uniqueRoom('resume');
    const writer = connect();
    const reader = connect();
    writer.join(room, 'writer');
    reader.join(room, 'reader');
    await reader.waitFor((e) => e.joined?.user === 'reader' && e.requestId !== '');
    for (let i = 1; i <= 5; i++) writer.say(room, `before-${i}`);
    const before = await reader.waitForMessages(room, 5);
    const last = before.at(-1)!;
    reader.drop();
    // The server notices the drop at once: the reader's presence is gone.
    await writer.waitFor(
      (e) => e.presence !== undefined && e.presence !== null && !e.presence.users.includes('reader'),
    );
    for (let i = 1; i <= 7; i++) writer.say(room, `missed-${i}`);
    await writer.waitForMessages(room, 12);

    const again = connect();
    const id = again.send({ resume: { room, user: 'reader', epoch: last.epoch, afterOffset: last.offset } });
    const joined = await again.waitFor((e) => e.requestId === id && Boolean(e.joined));
    expect(joined.joined).toMatchObject({ resume: 'RESUME_STATUS_COMPLETE', firstOffset: 6, headOffset: 12 });
    writer.say(room, 'after');
    const got = await again.waitForMessages(room, 8);
    expect(got.map((m) => m.text)).toEqual([...Array.from({ length: 7 }, (_, i) => `missed-${i + 1}`), 'after']);
    expect(got.map((m) => m.offset)).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('answers size violations with KV_ERR_PAYLOAD_TOO_LARGE and keeps the stream', async () => {
    const room = uniqueRoom('size');
    const c = connect();
    c.join(room, 'u');
    const big = c.say(room, 'y'.repeat(32_769));
    const err = await c.waitFor((e) => e.requestId === big && Boolean(e.error));
    expect(err.error).toMatchObject({ code: 'KV_ERR_PAYLOAD_TOO_LARGE', room });
    expect(err.error?.message).toMatch(/32769 bytes; the limit is 32768/);
    c.say(room, 'small');
    await c.waitFor((e) => e.message?.text === 'small');
  });

  it('rejects invalid envelopes with KV_ERR_INVALID_ARGUMENT while the stream and the server survive', async () => {
    const room = uniqueRoom('invalid');
    const c = connect();
    c.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const empty = c.send({});
    const badRoom = c.send({ join: { room: 'no spaces allowed', user: 'u' } });
    const notJoined = c.say(room, 'not yet');
    await c.waitUntil(() => c.errors().length >= 4, '4 errors');
    const errors = c.errors();
    expect(errors.map((e) => e.code)).toEqual([
      'KV_ERR_INVALID_ARGUMENT',
      'KV_ERR_INVALID_ARGUMENT',
      'KV_ERR_INVALID_ARGUMENT',
      'KV_ERR_PRECONDITION_FAILED',
    ]);
    expect(errors[0]!.message).toMatch(/not a ClientEnvelope/);
    expect(errors.slice(1).map((e) => e.requestId)).toEqual([empty, badRoom, notJoined]);
    c.join(room, 'u');
    c.say(room, 'works');
    await c.waitFor((e) => e.message?.text === 'works');
    const fresh = connect();
    const ping = fresh.send({ ping: { clientTimeMs: 42 } });
    const pong = await fresh.waitFor((e) => e.requestId === ping);
    expect(pong.pong?.clientTimeMs).toBe(42);
  });

  it('serves gRPC health and reflection', async () => {
    const client = new Client(server.address, credentials.createInsecure());
    const check = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        // HealthCheckRequest { service: "kverse.chat.v1.ChatService" }
        Buffer.concat([Buffer.from([0x0a, 26]), Buffer.from('kverse.chat.v1.ChatService')]),
        (err, value) => (err ? reject(err) : resolve(value!)),
      ),
    );
    expect([...check]).toEqual([0x08, 0x01]); // status: SERVING
    const reflection = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const answer = new Promise<Buffer>((resolve) => reflection.once('data', resolve));
    reflection.write(Buffer.from([0x3a, 0x00])); // list_services: ""
    const text = (await answer).toString('latin1');
    expect(text).toContain('kverse.chat.v1.ChatService');
    reflection.end();
    client.close();
  });
});

describe('chat slow consumers over real gRPC', () => {
  let server: Server;
  const clients: ChatTestClient[] = [];
  const connect = () => {
    const c = new ChatTestClient(server.address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer({
      ratePerSecond: 10_000,
      rateBurst: 10_000,
      sendQueueSize: 64,
      maxMessageBytes: 32_768,
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it('disconnects a stalled client as a slow consumer while the others get everything', async () => {
    const room = uniqueRoom('stall');
    const writer = connect();
    const fast = connect();
    const stalled = connect();
    for (const [c, user] of [
      [writer, 'writer'],
      [fast, 'fast'],
      [stalled, 'stalled'],
    ] as const) {
      c.join(room, user);
      await c.waitFor((e) => e.joined?.user === user && e.requestId !== '');
    }
    stalled.pause();
    const count = 600;
    const text = 'x'.repeat(16_000);
    // Paced in batches the fast client takes in, so only the stalled one falls behind.
    for (let i = 0; i < count; i += 20) {
      for (let k = i; k < i + 20; k++) writer.say(room, `${k}:${text}`);
      await fast.waitForMessages(room, i + 20);
    }
    const got = fast.messages(room);
    expect(got.map((m) => m.offset)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    await expect
      .poll(() => metricValue(server.metrics, 'kverse_chat_connections_closed_total', { reason: 'slow_consumer' }), {
        timeout: 20_000,
      })
      .toBe(1);
    await fast.waitFor((e) => e.presence !== undefined && e.presence !== null && !e.presence.users.includes('stalled'));
    // Once it reads again it finds the explicit status after what was already on its way.
    stalled.resume();
    const end = await stalled.ended;
    expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(end.errorCode).toBe('KV_ERR_SLOW_CONSUMER');
    expect(end.details).toMatch(/slow consumer/);
    expect(stalled.messages(room).length).toBeLessThan(count);
    // The others were unaffected and keep chatting.
    writer.say(room, 'still here');
    await fast.waitFor((e) => e.message?.text === 'still here');
  });
});

describe('chat rate limit over real gRPC', () => {
  it('answers KV_ERR_RATE_LIMITED past the token bucket and serves again after refill', async () => {
    const server = await startTestServer({ ratePerSecond: 5, rateBurst: 5 });
    const c = new ChatTestClient(server.address);
    try {
      const room = uniqueRoom('rate');
      c.join(room, 'u');
      const ids = Array.from({ length: 9 }, (_, i) => c.say(room, `m${i}`));
      await c.waitUntil(() => c.messages(room).length + c.errors().length >= 9, 'all answers');
      expect(c.messages(room).map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3']);
      const limited = c.errors();
      expect(limited.map((e) => e.requestId)).toEqual(ids.slice(4));
      expect(new Set(limited.map((e) => e.code))).toEqual(new Set(['KV_ERR_RATE_LIMITED']));
      expect(limited[0]!.message).toMatch(/5 envelopes\/s/);
      await new Promise((r) => setTimeout(r, 400));
      c.say(room, 'after refill');
      await c.waitFor((e) => e.message?.text === 'after refill');
    } finally {
      c.close();
      await server.close();
    }
  });
});
