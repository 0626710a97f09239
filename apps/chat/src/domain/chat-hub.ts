import { isKvError, KvError } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { ChatRecord, InboundEnvelope } from './chat-events.js';
import { type ChatLimits, checkMessageText, checkRoomName, checkUserName } from './chat-limits.js';
import { type ChatObserver, NOOP_OBSERVER } from './chat-observer.js';
import { ChatSession, type Membership, type SessionSink } from './chat-session.js';
import { LocalRoom } from './local-room.js';
import { deliverAll, eventFor, MAX_BATCH } from './member-delivery.js';
import { resumePlan } from './resume-plan.js';
import type { RoomBackplane, RoomListener } from './room-backplane.js';
import { TokenBucket } from './token-bucket.js';

export interface ChatHubOptions {
  readonly limits: ChatLimits;
  /** Names this server among replicas; part of every member id. */
  readonly replicaId: string;
  readonly logger: Logger;
  readonly observer?: ChatObserver;
  /** Monotonic milliseconds, for rate limits. @default performance.now */
  readonly nowMs?: () => number;
  /** Wall-clock milliseconds, stamped on messages. @default Date.now */
  readonly wallClockMs?: () => number;
  /** Presence changes within this window are sent as one event (the latest). @default 50 */
  readonly presenceIntervalMs?: number;
}

/**
 * The chat domain: connections, rooms, membership, ordering and limits, with no transport in it. A transport
 * calls {@link connect} per client connection, {@link receive} per envelope and {@link disconnect} when the
 * connection ends; events go back through the connection's {@link SessionSink}.
 *
 * Ordering: a room's messages reach every member in offset order, once, without gaps except where the member's
 * join or resume said so (`Joined.resume`). A joining member is subscribed before history is read, and live
 * messages are held back until the history is delivered, then filtered by offset.
 * Fan-out and presence per room: {@link LocalRoom}.
 */
export class ChatHub implements RoomListener {
  private readonly sessions = new Map<string, ChatSession>();
  private readonly rooms = new Map<string, LocalRoom>();
  private readonly observer: ChatObserver;
  private readonly nowMs: () => number;
  private readonly wallClockMs: () => number;
  private readonly presenceIntervalMs: number;
  private nextSessionId = 1;
  private backplaneRef: RoomBackplane | undefined;

  constructor(private readonly options: ChatHubOptions) {
    this.observer = options.observer ?? NOOP_OBSERVER;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.wallClockMs = options.wallClockMs ?? Date.now;
    this.presenceIntervalMs = options.presenceIntervalMs ?? 50;
  }

  /** Connects the hub to its backplane; the backplane was built with this hub as its listener. */
  attach(backplane: RoomBackplane): void {
    this.backplaneRef = backplane;
  }

  /** Connections open now. */
  get connections(): number {
    return this.sessions.size;
  }

  /** Starts a connection. */
  connect(sink: SessionSink): ChatSession {
    const { limits } = this.options;
    const id = String(this.nextSessionId++);
    const session = new ChatSession(
      id,
      sink,
      limits.sendQueueSize,
      new TokenBucket(limits.ratePerSecond, limits.rateBurst, this.nowMs()),
      (slow) => {
        this.options.logger.warn({ session: slow.id }, 'disconnecting slow consumer');
        this.disconnect(slow, 'slow_consumer');
      },
    );
    this.sessions.set(id, session);
    this.observer.connectionOpened();
    return session;
  }

  /**
   * Takes one envelope from a connection. The rate limit is applied at once; accepted envelopes are handled in
   * arrival order. Problems with the envelope are answered with an `error` event; the connection stays open.
   */
  receive(session: ChatSession, envelope: InboundEnvelope): void {
    if (session.closed) return;
    const now = this.nowMs();
    if (!session.bucket.tryTake(now)) {
      const waitMs = session.bucket.msUntilNext(now);
      const { ratePerSecond, rateBurst } = this.options.limits;
      this.reject(
        session,
        envelope,
        new KvError(
          'KV_ERR_RATE_LIMITED',
          `rate limit: ${ratePerSecond} envelopes/s (burst ${rateBurst}) per connection; retry in ${waitMs} ms`,
          { retryAfterSeconds: Math.ceil(waitMs / 1000) },
        ),
      );
      return;
    }
    session.inbox = session.inbox.then(() => this.handle(session, envelope));
  }

  /** Ends a connection: leaves its rooms at once and forgets it. Safe to call more than once. */
  disconnect(session: ChatSession, reason = 'client'): void {
    if (!this.sessions.delete(session.id)) return;
    session.markClosed();
    // The transport may report the end before the hub's own caller does; the session knows why it ended.
    const code = session.failure?.code;
    this.observer.connectionClosed(
      code === 'KV_ERR_SLOW_CONSUMER' ? 'slow_consumer' : code === 'KV_ERR_SHUTTING_DOWN' ? 'shutdown' : reason,
    );
    for (const membership of [...session.memberships.values()]) {
      this.forget(session, membership);
      this.backplane.removeMember(membership.room, membership.member, membership.user).catch((err: unknown) => {
        this.options.logger.warn({ err, room: membership.room }, 'could not announce a leave');
      });
    }
  }

  /** Disconnects every connection with `error` (e.g. shutting down). */
  closeAll(error: KvError): void {
    for (const session of [...this.sessions.values()]) {
      session.fail(error);
      this.disconnect(session, 'shutdown');
    }
  }

  // RoomListener: called by the backplane, in order per room.

  onMessage(record: ChatRecord): void {
    this.rooms.get(record.room)?.hear(record);
  }

  // Joins and leaves reach the other members with the next presence event (see LocalRoom).
  onJoined(roomName: string, _member: string, user: string): void {
    this.rooms.get(roomName)?.noteChange('joined', user);
  }

  onLeft(roomName: string, _member: string, user: string): void {
    this.rooms.get(roomName)?.noteChange('left', user);
  }

  onResync(roomName: string): void {
    this.rooms.get(roomName)?.resync();
  }

  onPresence(roomName: string, users: readonly string[]): void {
    this.rooms.get(roomName)?.updatePresence(users);
  }

  private get backplane(): RoomBackplane {
    if (!this.backplaneRef) throw new Error('ChatHub used before attach(backplane)');
    return this.backplaneRef;
  }

  private async handle(session: ChatSession, envelope: InboundEnvelope): Promise<void> {
    if (session.closed) return;
    try {
      switch (envelope.kind) {
        case 'join':
          await this.join(session, envelope.requestId, envelope.room, envelope.user, undefined);
          return;
        case 'resume':
          await this.join(session, envelope.requestId, envelope.room, envelope.user, {
            epoch: envelope.epoch,
            afterOffset: envelope.afterOffset,
          });
          return;
        case 'leave':
          await this.leave(session, envelope.requestId, envelope.room);
          return;
        case 'message':
          await this.publish(session, envelope.requestId, envelope.room, envelope.text);
          return;
        case 'ping':
          session.send({
            kind: 'pong',
            requestId: envelope.requestId,
            clientTimeMs: envelope.clientTimeMs,
            serverTimeMs: this.wallClockMs(),
          });
          return;
        case 'invalid':
          throw new KvError('KV_ERR_INVALID_ARGUMENT', `invalid envelope: ${envelope.reason}`);
      }
    } catch (err) {
      this.reject(session, envelope, err);
    }
  }

  private async join(
    session: ChatSession,
    requestId: string,
    roomName: string,
    user: string,
    resume: { epoch: string; afterOffset: number } | undefined,
  ): Promise<void> {
    checkRoomName(roomName);
    checkUserName(user);
    if (session.memberships.has(roomName)) {
      throw new KvError('KV_ERR_CONFLICT', `this connection is already in room ${roomName}`);
    }
    const { maxRoomsPerConnection } = this.options.limits;
    if (session.memberships.size >= maxRoomsPerConnection) {
      throw new KvError(
        'KV_ERR_LIMIT_EXCEEDED',
        `a connection may be in at most ${maxRoomsPerConnection} rooms at once; leave one first`,
        { details: { limit: maxRoomsPerConnection } },
      );
    }
    const membership: Membership = {
      room: roomName,
      user,
      member: `${this.options.replicaId}/${session.id}`,
      epoch: '',
      lastOffset: 0,
      pending: [],
    };
    const room = this.localRoom(roomName);
    room.joining += 1;
    session.memberships.set(roomName, membership);
    room.members.set(membership.member, { session, membership });
    try {
      await room.subscribed;
      // A resume reads everything kept: if the epoch changed, every kept message is new to the client.
      const snapshot = await this.backplane.read(roomName, resume ? 0 : undefined);
      // The connection went away meanwhile: it must not appear in the room's presence.
      if (session.memberships.get(roomName) !== membership) return;
      const { outcome, firstOffset } = resumePlan(resume, snapshot);
      session.send({
        kind: 'joined',
        requestId,
        room: roomName,
        user,
        epoch: snapshot.epoch,
        headOffset: snapshot.headOffset,
        resume: outcome,
        firstOffset,
      });
      membership.epoch = snapshot.epoch;
      membership.lastOffset = firstOffset - 1;
      const held = membership.pending ?? [];
      membership.pending = undefined;
      for (const records of [snapshot.messages, held]) {
        // Replays go out in batches too.
        for (let i = 0; i < records.length; i += MAX_BATCH) {
          const chunk = records.slice(i, i + MAX_BATCH);
          deliverAll(session, membership, chunk, eventFor(chunk));
        }
      }
      await this.backplane.addMember(roomName, membership.member, user);
    } catch (err) {
      if (session.memberships.get(roomName) === membership) this.forget(session, membership);
      throw err;
    } finally {
      room.joining -= 1;
      this.releaseIfEmpty(roomName);
    }
  }

  private async leave(session: ChatSession, requestId: string, roomName: string): Promise<void> {
    const membership = session.memberships.get(roomName);
    if (!membership) throw new KvError('KV_ERR_PRECONDITION_FAILED', `this connection is not in room ${roomName}`);
    this.forget(session, membership);
    session.send({ kind: 'left', requestId, room: roomName, user: membership.user });
    await this.backplane.removeMember(roomName, membership.member, membership.user);
  }

  private async publish(session: ChatSession, requestId: string, roomName: string, text: string): Promise<void> {
    const membership = session.memberships.get(roomName);
    if (!membership) {
      throw new KvError('KV_ERR_PRECONDITION_FAILED', `join room ${roomName} before sending to it`);
    }
    checkMessageText(text, this.options.limits);
    const draft = { user: membership.user, text, sentAtMs: this.wallClockMs(), senderRequestId: requestId };
    await this.observer.traceAppend(roomName, Buffer.byteLength(text), () => this.backplane.append(roomName, draft));
  }

  private reject(session: ChatSession, envelope: InboundEnvelope, err: unknown): void {
    const error = isKvError(err) ? err : new KvError('KV_ERR_UNAVAILABLE', 'the chat backplane is unavailable');
    if (!isKvError(err)) this.options.logger.error({ err, kind: envelope.kind }, 'envelope failed');
    this.observer.envelopeRejected(error.code);
    session.send({
      kind: 'error',
      requestId: envelope.requestId,
      code: error.code,
      message: error.message,
      room: 'room' in envelope ? envelope.room : '',
    });
  }

  private localRoom(name: string): LocalRoom {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    const subscribed = this.backplane.subscribe(name);
    // A failed subscription fails the joins awaiting it; don't also report it as unhandled.
    subscribed.catch(() => {});
    const room = new LocalRoom(
      name,
      subscribed,
      this.observer,
      this.presenceIntervalMs,
      async (after) => (await this.backplane.read(name, after)).messages,
      (err) => this.options.logger.warn({ err, room: name }, 'could not read back messages the subscription missed'),
    );
    this.rooms.set(name, room);
    return room;
  }

  private forget(session: ChatSession, membership: Membership): void {
    session.memberships.delete(membership.room);
    this.rooms.get(membership.room)?.members.delete(membership.member);
    this.releaseIfEmpty(membership.room);
  }

  // The last local member gone: stop hearing the room here.
  private releaseIfEmpty(name: string): void {
    const room = this.rooms.get(name);
    if (!room?.idle) return;
    room.dispose();
    this.rooms.delete(name);
    this.backplane.unsubscribe(name).catch((err: unknown) => {
      this.options.logger.warn({ err, room: name }, 'could not unsubscribe from a room');
    });
  }
}
