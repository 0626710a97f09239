import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '@kverse/runtime';
import { Redis } from 'ioredis';
import type { ChatDraft, ChatRecord } from '../domain/chat-events.js';
import { presenceOf, type RoomBackplane, type RoomListener, type RoomSnapshot } from '../domain/room-backplane.js';

/**
 * Rooms shared by every server replica through one Redis.
 *
 * Layout per room (the `{room}` hash tag keeps a room's keys in one cluster slot):
 * - `kverse:chat:{room}:meta`     hash `epoch`, `seq` (the last offset). One key, so the epoch and the counter
 *                                 are lost together or not at all: a counter restarting under an old epoch
 *                                 would name two messages alike.
 * - `kverse:chat:{room}:history`  list of the last N message records (JSON), oldest first.
 * - `kverse:chat:{room}:members`  hash `<replica>/<session>` → user (presence).
 * - channel `kverse:chat:{room}`  every message record, join, leave and presence, in the order they happened.
 *
 * Offsets: appending is one Lua script — create the epoch if the room has none, HINCRBY the counter, RPUSH and
 * LTRIM the history, PUBLISH the record. Redis runs scripts one at a time, so offsets are dense and the
 * channel carries a room's messages in offset order to every subscribed replica, whichever replica accepted
 * them. See the README ("Replicas") for why this rather than a stream.
 *
 * Wire format of channel messages (JSON): `{"t":"m", epoch, offset, room, user, text, sentAtMs,
 * senderRequestId}`, `{"t":"j"|"l", member, user}`, `{"t":"p", users}`.
 */
export class RedisBackplane implements RoomBackplane {
  private readonly subscriber: Redis;
  private readonly scripts = new Map<string, string>();
  private readonly rooms = new Set<string>();
  private subscriberReadyBefore = false;

  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly listener: RoomListener,
    private readonly historySize: number,
    private readonly logger: Logger,
    private readonly replicaId: string,
  ) {
    this.heartbeat = setInterval(() => {
      this.beat().catch((err: unknown) => this.logger.warn({ err }, 'could not refresh the replica heartbeat'));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.subscriber = redis.duplicate();
    this.subscriber.on('message', (channel: string, payload: string) => this.dispatch(channel, payload));
    this.subscriber.on('error', (err: Error) => this.logger.warn({ err }, 'redis subscriber error'));
    // ioredis resubscribes after a reconnect, but what was published meanwhile never reaches this replica:
    // have every room read it back from history (shortly, so the resubscription is in place first).
    this.subscriber.on('ready', () => {
      if (!this.subscriberReadyBefore) {
        this.subscriberReadyBefore = true;
        return;
      }
      this.logger.warn({ rooms: this.rooms.size }, 'redis subscription restored; reading back missed messages');
      setTimeout(() => {
        for (const room of this.rooms) this.listener.onResync(room);
      }, RESYNC_DELAY_MS).unref();
    });
    this.redis.on('error', (err: Error) => this.logger.warn({ err }, 'redis error'));
  }

  /** Connects to `url` and checks Redis answers; fails with a message naming the URL's host otherwise. */
  static async connect(
    url: string,
    listener: RoomListener,
    options: { historySize: number; logger: Logger; replicaId: string },
  ): Promise<RedisBackplane> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      const where = new URL(url).host;
      throw new Error(`cannot reach Redis at ${where} (REDIS_URL): ${(err as Error).message}`, { cause: err });
    }
    const backplane = new RedisBackplane(redis, listener, options.historySize, options.logger, options.replicaId);
    await backplane.beat();
    return backplane;
  }

  async subscribe(room: string): Promise<void> {
    this.rooms.add(room);
    await this.subscriber.subscribe(channelOf(room));
  }

  async unsubscribe(room: string): Promise<void> {
    this.rooms.delete(room);
    await this.subscriber.unsubscribe(channelOf(room));
  }

  async append(room: string, draft: ChatDraft): Promise<ChatRecord> {
    const body = JSON.stringify({ room, ...draft });
    const record = (await this.run(
      APPEND,
      [keyOf(room, 'meta'), keyOf(room, 'history')],
      [newEpoch(), String(this.historySize), channelOf(room), body],
    )) as string;
    return toRecord(JSON.parse(record));
  }

  async read(room: string, afterOffset: number | undefined): Promise<RoomSnapshot> {
    const [epoch, head, history] = (await this.run(
      READ,
      [keyOf(room, 'meta'), keyOf(room, 'history')],
      [newEpoch(), afterOffset === undefined ? '0' : '1'],
    )) as [string, number, string[]];
    const messages: ChatRecord[] = [];
    for (const raw of history) {
      const record = toRecord(JSON.parse(raw));
      if (afterOffset !== undefined && record.offset > afterOffset) messages.push(record);
    }
    return { epoch, headOffset: Number(head), messages };
  }

  async addMember(room: string, member: string, user: string): Promise<void> {
    await this.run(
      JOIN,
      [keyOf(room, 'members')],
      [member, user, channelOf(room), JSON.stringify({ t: 'j', member, user })],
    );
  }

  async removeMember(room: string, member: string, user: string): Promise<void> {
    await this.run(
      LEAVE,
      [keyOf(room, 'members')],
      [member, channelOf(room), JSON.stringify({ t: 'l', member, user })],
    );
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.redis.del(heartbeatKey(this.replicaId)).catch(() => undefined);
    await Promise.allSettled([this.subscriber.quit(), this.redis.quit()]);
  }

  /**
   * Says this replica is alive. Presence counts a member only while its replica's heartbeat key exists, so the
   * members of a replica that crashed (and never announced their leaves) drop out within HEARTBEAT_TTL_MS.
   */
  private async beat(): Promise<void> {
    await this.redis.set(heartbeatKey(this.replicaId), '1', 'PX', HEARTBEAT_TTL_MS);
  }

  // EVALSHA, loading the script on first use (or after a Redis restart forgot it).
  private async run(script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.scripts.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      this.scripts.set(script, sha);
    }
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
      return await this.redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  private dispatch(channel: string, payload: string): void {
    const room = channel.slice(CHANNEL_PREFIX.length);
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(payload) as Record<string, unknown>;
    } catch (err) {
      this.logger.warn({ err, channel }, 'ignoring a malformed chat event from redis');
      return;
    }
    switch (event.t) {
      case 'm':
        this.listener.onMessage(toRecord(event));
        return;
      case 'j':
        this.listener.onJoined(room, String(event.member), String(event.user));
        return;
      case 'l':
        this.listener.onLeft(room, String(event.member), String(event.user));
        return;
      case 'p':
        // cjson encodes an empty Lua table as {}.
        this.listener.onPresence(room, presenceOf(Array.isArray(event.users) ? event.users.map(String) : []));
        return;
    }
  }
}

const CHANNEL_PREFIX = 'kverse:chat:';
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TTL_MS = 15_000;
const RESYNC_DELAY_MS = 100;
const REPLICA_KEY_PREFIX = 'kverse:chat:replica:';

function channelOf(room: string): string {
  return `${CHANNEL_PREFIX}${room}`;
}

function keyOf(room: string, part: 'meta' | 'history' | 'members'): string {
  return `kverse:chat:{${room}}:${part}`;
}

function heartbeatKey(replicaId: string): string {
  return `${REPLICA_KEY_PREFIX}${replicaId}`;
}

function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

function toRecord(raw: Record<string, unknown>): ChatRecord {
  return {
    room: String(raw.room),
    epoch: String(raw.epoch),
    offset: Number(raw.offset),
    user: String(raw.user),
    text: String(raw.text),
    sentAtMs: Number(raw.sentAtMs),
    senderRequestId: String(raw.senderRequestId ?? ''),
  };
}

// The room's epoch, created (with an empty history and counter) when the room has none: a new room, or one
// whose data Redis lost. Shared prefix of APPEND and READ.
const ENSURE_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
end
`;

// KEYS: meta, history. ARGV: candidate epoch, history size, channel, record body (JSON object without t/epoch/offset).
const APPEND = `${ENSURE_EPOCH}
local offset = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local record = '{"t":"m","epoch":"' .. epoch .. '","offset":' .. offset .. ',' .. string.sub(ARGV[4], 2)
redis.call('RPUSH', KEYS[2], record)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PUBLISH', ARGV[3], record)
return record
`;

// KEYS: meta, history. ARGV: candidate epoch, '1' to return the history. Returns {epoch, head, history}.
const READ = `${ENSURE_EPOCH}
local head = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local history = {}
if ARGV[2] == '1' then history = redis.call('LRANGE', KEYS[2], 0, -1) end
return {epoch, head, history}
`;

// The users of the room's members whose replica is alive (its heartbeat key exists); members of dead replicas are
// removed on the way. Member ids are `<replica>/<session>`. (The heartbeat keys are not declared in KEYS: fine on a
// single Redis or Sentinel, which is what the chat server supports; Redis Cluster would need them in one slot.)
const LIVE_USERS = `
local function live_users(members)
  local fields = redis.call('HGETALL', members)
  local users, alive = {}, {}
  for i = 1, #fields, 2 do
    local member, user = fields[i], fields[i + 1]
    local replica = string.match(member, '^(.*)/[^/]*$') or member
    if alive[replica] == nil then
      alive[replica] = redis.call('EXISTS', '${REPLICA_KEY_PREFIX}' .. replica) == 1
    end
    if alive[replica] then users[#users + 1] = user else redis.call('HDEL', members, member) end
  end
  return users
end
`;

// KEYS: members. ARGV: member, user, channel, join event.
const JOIN = `${LIVE_USERS}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
redis.call('PUBLISH', ARGV[3], cjson.encode({t = 'p', users = live_users(KEYS[1])}))
return 1
`;

// KEYS: members. ARGV: member, channel, leave event.
const LEAVE = `${LIVE_USERS}
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('PUBLISH', ARGV[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], cjson.encode({t = 'p', users = live_users(KEYS[1])}))
return 1
`;
