import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTestClient, requireRedis, startTestServer, uniqueRoom } from './chat-test-client.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('two chat replicas over a real Redis', () => {
  let redisUrl: string;
  let a: Server;
  let b: Server;
  const clients: ChatTestClient[] = [];
  const connect = (server: Server) => {
    const c = new ChatTestClient(server.address);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redisUrl = await requireRedis();
    const config = { redisUrl, ratePerSecond: 10_000, rateBurst: 10_000, sendQueueSize: 4096, historySize: 50 };
    a = await startTestServer({ ...config, replicaId: 'replica-a' });
    b = await startTestServer({ ...config, replicaId: 'replica-b' });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('share a room: every member on either replica sees one sequence, offsets dense, senders in order', async () => {
    const room = uniqueRoom('replicas');
    const members = Array.from({ length: 16 }, (_, i) => connect(i % 2 === 0 ? a : b));
    for (const [i, c] of members.entries()) c.join(room, `user${i}`);
    await Promise.all(members.map((c) => c.waitFor((e) => e.joined?.room === room && e.requestId !== '', 'joined')));
    // Presence spans replicas.
    await members[0]!.waitFor((e) => e.presence?.users.length === 16, 'presence of all 16 users');

    const perClient = 20;
    members.forEach((c, i) => {
      for (let k = 0; k < perClient; k++) c.say(room, `u${i}:${k}`);
    });
    const total = members.length * perClient;
    const seen = await Promise.all(members.map((c) => c.waitForMessages(room, total)));
    expect(seen[0]!.map((m) => m.offset)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const reference = seen[0]!.map((m) => `${m.epoch}/${m.offset}|${m.text}`);
    for (const s of seen) expect(s.map((m) => `${m.epoch}/${m.offset}|${m.text}`)).toEqual(reference);
    for (let i = 0; i < members.length; i++) {
      const mine = seen[0]!.filter((m) => m.user === `user${i}`).map((m) => m.text);
      expect(mine).toEqual(Array.from({ length: perClient }, (_, k) => `u${i}:${k}`));
    }
  });

  it('resume on the other replica delivers exactly what was missed', async () => {
    const room = uniqueRoom('failover');
    const writer = connect(b);
    const reader = connect(a);
    writer.join(room, 'writer');
    reader.join(room, 'reader');
    await reader.waitFor((e) => e.joined?.user === 'reader' && e.requestId !== '');
    await writer.waitFor((e) => e.presence?.users.includes('reader') === true, 'reader present');
    for (let i = 1; i <= 3; i++) writer.say(room, `seen-${i}`);
    const last = (await reader.waitForMessages(room, 3)).at(-1)!;
    reader.drop();
    await writer.waitFor((e) => e.presence?.users.includes('reader') === false, 'reader gone from presence');
    for (let i = 1; i <= 4; i++) writer.say(room, `missed-${i}`);
    await writer.waitForMessages(room, 7);

    const moved = connect(b);
    const id = moved.send({ resume: { room, user: 'reader', epoch: last.epoch, afterOffset: last.offset } });
    const joined = await moved.waitFor((e) => e.requestId === id && Boolean(e.joined));
    expect(joined.joined).toMatchObject({ resume: 'RESUME_STATUS_COMPLETE', firstOffset: 4, headOffset: 7 });
    const got = await moved.waitForMessages(room, 4);
    expect(got.map((m) => [m.offset, m.text])).toEqual([
      [4, 'missed-1'],
      [5, 'missed-2'],
      [6, 'missed-3'],
      [7, 'missed-4'],
    ]);
  });

  it('fills from history what a replica missed while its Redis subscription was down', async () => {
    const room = uniqueRoom('resubscribe');
    const writer = connect(b);
    const reader = connect(a);
    writer.join(room, 'writer');
    reader.join(room, 'reader');
    await reader.waitFor((e) => e.joined?.user === 'reader' && e.requestId !== '');
    await writer.waitFor((e) => e.presence?.users.includes('reader') === true, 'reader present');
    writer.say(room, 'm1');
    await reader.waitForMessages(room, 1);
    // Cut every subscriber connection: ioredis reconnects and resubscribes, but what is published meanwhile is
    // not delivered to the subscriber.
    const admin = new Redis(redisUrl);
    await admin.client('KILL', 'TYPE', 'pubsub');
    admin.disconnect();
    for (let i = 2; i <= 6; i++) writer.say(room, `m${i}`);
    // Both replicas read back what their subscriptions missed once they are resubscribed, without waiting for a
    // later message to reveal the gap.
    const expected = Array.from({ length: 6 }, (_, i) => `${i + 1}:m${i + 1}`);
    for (const c of [writer, reader]) {
      expect((await c.waitForMessages(room, 6)).map((m) => `${m.offset}:${m.text}`)).toEqual(expected);
    }
    writer.say(room, 'm7');
    expect((await reader.waitForMessages(room, 7)).at(-1)).toMatchObject({ offset: 7, text: 'm7' });
  });

  it('drops from presence the members of a replica that died without announcing their leaves', async () => {
    const room = uniqueRoom('ghosts');
    // A member of a replica whose heartbeat key is gone (it crashed: no leave was ever announced).
    const redis = new Redis(redisUrl);
    await redis.hset(`kverse:chat:{${room}}:members`, 'crashed-replica/7', 'ghost');
    const ana = connect(a);
    ana.join(room, 'ana');
    const presence = await ana.waitFor((e) => Boolean(e.presence), 'presence');
    expect(presence.presence?.users).toEqual(['ana']);
    // The ghost's entry is gone from Redis too; only ana's remains.
    expect(await redis.hkeys(`kverse:chat:{${room}}:members`)).toEqual([expect.stringMatching(/^replica-a\//)]);
    redis.disconnect();
  });

  it('says the gap cannot be filled when history is shorter than the absence or Redis lost the room', async () => {
    const room = uniqueRoom('gap');
    const writer = connect(a);
    writer.join(room, 'writer');
    for (let i = 1; i <= 60; i++) writer.say(room, `m${i}`);
    const all = await writer.waitForMessages(room, 60);
    const epoch = all[0]!.epoch;

    const late = connect(b);
    const id = late.send({ resume: { room, user: 'late', epoch, afterOffset: 2 } });
    const joined = await late.waitFor((e) => e.requestId === id && Boolean(e.joined));
    // historySize is 50: offsets 11..60 are kept, 3..10 are gone.
    expect(joined.joined).toMatchObject({ resume: 'RESUME_STATUS_GAP', firstOffset: 11, headOffset: 60 });
    expect((await late.waitForMessages(room, 50)).map((m) => m.offset)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 11),
    );

    // Redis loses the room: a new epoch begins, and a resume against the old one is told so.
    const redis = new Redis(redisUrl);
    await redis.del(`kverse:chat:{${room}}:meta`, `kverse:chat:{${room}}:history`);
    redis.disconnect();
    const again = connect(a);
    const id2 = again.send({ resume: { room, user: 'again', epoch, afterOffset: 60 } });
    const rejoined = await again.waitFor((e) => e.requestId === id2 && Boolean(e.joined));
    expect(rejoined.joined?.resume).toBe('RESUME_STATUS_GAP');
    expect(rejoined.joined?.epoch).not.toBe(epoch);
    expect(rejoined.joined?.headOffset).toBe(0);
    writer.say(room, 'new epoch');
    const fresh = await again.waitFor((e) => e.message?.text === 'new epoch');
    expect(fresh.message).toMatchObject({ offset: 1, epoch: rejoined.joined?.epoch });
  });
});
