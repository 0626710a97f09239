import { isKvError, KvError } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { ChatRecord, InboundEnvelope, OutboundEvent, ResumeOutcome } from './chat-events.js';
import { type ChatLimits, checkMessageText, checkRoomName, checkUserName } from './chat-limits.js';
import { type ChatObserver, NOOP_OBSERVER } from './chat-observer.js';
import { ChatSession, type Membership, type SessionSink } from './chat-session.js';
import type { RoomBackplane, RoomListener, RoomSnapshot } from './room-backplane.js';
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
}

/** This replica's members of one room. */
interface LocalRoom {
  readonly name: string;
  readonly members: Map<string, { readonly session: ChatSession; readonly membership: Membership }>;
  /** Settles once the backplane delivers this room's events here. */
  readonly subscribed: Promise<void>;
  /** Joins still reading history; the room is not released while any is under way. */
  joining: number;
  /** Messages heard but not yet handed to members: they go out together, as one shared event. */
  outbox: ChatRecord[];
  flush: NodeJS.Immediate | undefined;
}

/** Most messages in one batch event (keeps frames moderate: 256 × 4 KiB = 1 MiB at the default size limit). */
const MAX_BATCH = 256;

/**
 * The chat domain: connections, rooms, membership, ordering and limits, with no transport in it. A transport
 * calls {@link connect} per client connection, {@link receive} per envelope and {@link disconnect} when the
 * connection ends; events go back through the connection's {@link SessionSink}.
 *
 * Ordering: a room's messages reach every member in offset order, once, without gaps except where the member's
 * join or resume said so (`Joined.resume`). A joining member is subscribed before history is read, and live
 * messages are held back until the history is delivered, then filtered by offset.
 *
 * Fan-out: messages heard in one turn of the event loop are handed to the room's members together, as one event
 * object shared by all of them (a transport encodes it once). Under light load that is one message per event and
 * costs no latency; under a burst, the per-event cost is paid once per batch instead of once per message.
 */
export class ChatHub implements RoomListener {
  private readonly sessions = new Map<string, ChatSession>();
  private readonly rooms = new Map<string, LocalRoom>();
  private readonly observer: ChatObserver;
  private readonly nowMs: () => number;
  private readonly wallClockMs: () => number;
  private nextSessionId = 1;
  private backplaneRef: RoomBackplane | undefined;

  constructor(private readonly options: ChatHubOptions) {
    this.observer = options.observer ?? NOOP_OBSERVER;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.wallClockMs = options.wallClockMs ?? Date.now;
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
    const room = this.rooms.get(record.room);
    if (!room) return;
    room.outbox.push(record);
    if (room.outbox.length >= MAX_BATCH) this.flushRoom(room);
    else room.flush ??= setImmediate(() => this.flushRoom(room));
  }

  onJoined(roomName: string, member: string, user: string): void {
    const event: OutboundEvent = {
      kind: 'joined',
      requestId: '',
      room: roomName,
      user,
      epoch: '',
      headOffset: 0,
      resume: 'none',
      firstOffset: 0,
    };
    this.toSettledMembers(roomName, event, member);
  }

  onLeft(roomName: string, member: string, user: string): void {
    this.toSettledMembers(roomName, { kind: 'left', requestId: '', room: roomName, user }, member);
  }

  onPresence(roomName: string, users: readonly string[]): void {
    this.toSettledMembers(roomName, { kind: 'presence', room: roomName, users });
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
    const room: LocalRoom = { name, members: new Map(), subscribed, joining: 0, outbox: [], flush: undefined };
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
    if (!room || room.members.size > 0 || room.joining > 0) return;
    if (room.flush) clearImmediate(room.flush);
    this.rooms.delete(name);
    this.backplane.unsubscribe(name).catch((err: unknown) => {
      this.options.logger.warn({ err, room: name }, 'could not unsubscribe from a room');
    });
  }

  /** Hands the room's waiting messages to its members as one shared event. */
  private flushRoom(room: LocalRoom): void {
    if (room.flush) clearImmediate(room.flush);
    room.flush = undefined;
    const records = room.outbox;
    if (records.length === 0) return;
    room.outbox = [];
    const event = eventFor(records);
    let recipients = 0;
    for (const { session, membership } of room.members.values()) {
      if (deliverAll(session, membership, records, event)) recipients += 1;
    }
    this.observer.delivered(room.name, records, recipients);
  }

  private toSettledMembers(roomName: string, event: OutboundEvent, except?: string): void {
    const room = this.rooms.get(roomName);
    if (!room) return;
    // Messages heard before this event go out before it.
    this.flushRoom(room);
    for (const [member, { session, membership }] of room.members) {
      // A member still joining gets a fresh presence once its own join is announced.
      if (member !== except && membership.pending === undefined) session.send(event);
    }
  }
}

/**
 * Where delivery starts for a join (at the head) or a resume, and whether the resume is exact. An empty epoch
 * asks for the current epoch from `afterOffset` on (a client that never saw the room).
 */
export function resumePlan(
  resume: { readonly epoch: string; readonly afterOffset: number } | undefined,
  snapshot: RoomSnapshot,
): { outcome: ResumeOutcome; firstOffset: number } {
  const head = snapshot.headOffset;
  if (!resume) return { outcome: 'none', firstOffset: head + 1 };
  const firstKept = snapshot.messages[0]?.offset ?? head + 1;
  const sameEpoch = resume.epoch === '' || resume.epoch === snapshot.epoch;
  const from = sameEpoch ? resume.afterOffset + 1 : 1;
  if (sameEpoch && from <= head + 1 && from >= firstKept) return { outcome: 'complete', firstOffset: from };
  if (sameEpoch && from > head + 1) return { outcome: 'gap', firstOffset: head + 1 };
  return { outcome: 'gap', firstOffset: Math.max(from, firstKept) };
}

/** One event for consecutive records: a single message, or a batch. */
function eventFor(records: readonly ChatRecord[]): OutboundEvent {
  return records.length === 1 ? { kind: 'message', record: records[0]! } : { kind: 'batch', records };
}

/**
 * Delivers consecutive records of one room to one member, skipping what it already has; returns whether anything
 * was sent. The shared `event` goes out as is when every record is new to the member (the usual case).
 */
function deliverAll(
  session: ChatSession,
  membership: Membership,
  records: readonly ChatRecord[],
  event: OutboundEvent,
): boolean {
  if (records.length === 0) return false;
  if (membership.pending) {
    membership.pending.push(...records);
    return false;
  }
  const first = records[0]!;
  const last = records[records.length - 1]!;
  if (first.epoch === membership.epoch && last.epoch === first.epoch && first.offset > membership.lastOffset) {
    membership.lastOffset = last.offset;
    session.send(event);
    return true;
  }
  // Some are old to this member (it just resumed) or the epoch changes mid-way: one at a time.
  let sent = false;
  for (const record of records) sent = deliverOne(session, membership, record) || sent;
  return sent;
}

function deliverOne(session: ChatSession, membership: Membership, record: ChatRecord): boolean {
  if (record.epoch !== membership.epoch) {
    // The room's history was lost and offsets restarted: follow the new epoch (the client sees it change).
    membership.epoch = record.epoch;
  } else if (record.offset <= membership.lastOffset) {
    return false;
  }
  membership.lastOffset = record.offset;
  session.send({ kind: 'message', record });
  return true;
}
