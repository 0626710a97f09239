import type { ChatRecord, OutboundEvent } from './chat-events.js';
import type { ChatObserver } from './chat-observer.js';
import type { ChatSession, Membership } from './chat-session.js';
import { deliverAll, eventFor, MAX_BATCH } from './member-delivery.js';

/**
 * This replica's members of one room, and how the room's events reach them.
 *
 * Messages heard in one turn of the event loop are handed to the members together, as one event object shared
 * by all of them (a transport encodes it once). Under light load that is one message per event and costs no
 * latency; under a burst, the per-event cost is paid once per batch instead of once per message. Presence is a
 * snapshot, so changes within `presenceIntervalMs` go out as one event with the latest members and the joins and
 * leaves since the previous one; otherwise a room filling up with N members would send N² events.
 */
export class LocalRoom {
  readonly members = new Map<string, { readonly session: ChatSession; readonly membership: Membership }>();
  /** Joins still reading history; the room is not released while any is under way. */
  joining = 0;
  private outbox: ChatRecord[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private presence: readonly string[] | undefined;
  private joinedSince: string[] = [];
  private leftSince: string[] = [];
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    /** Settles once the backplane delivers this room's events here. */
    readonly subscribed: Promise<void>,
    private readonly observer: ChatObserver,
    private readonly presenceIntervalMs: number,
  ) {}

  /** Nobody is here or on the way in: the room can be released. */
  get idle(): boolean {
    return this.members.size === 0 && this.joining === 0;
  }

  /** A message of this room was heard; it reaches the members at the end of this turn (or now, past a batch). */
  hear(record: ChatRecord): void {
    this.outbox.push(record);
    if (this.outbox.length >= MAX_BATCH) this.flush();
    else this.flushTimer ??= setImmediate(() => this.flush());
  }

  /** Hands the waiting messages to the members as one shared event. */
  flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const records = this.outbox;
    if (records.length === 0) return;
    this.outbox = [];
    const event = eventFor(records);
    let recipients = 0;
    for (const { session, membership } of this.members.values()) {
      if (deliverAll(session, membership, records, event)) recipients += 1;
    }
    this.observer.delivered(this.name, records, recipients);
  }

  /** Notes a join or leave; it goes out with the next presence event. */
  noteChange(change: 'joined' | 'left', user: string): void {
    (change === 'joined' ? this.joinedSince : this.leftSince).push(user);
  }

  /** Sends the latest member list, with the joins and leaves since the last one, after the presence interval. */
  updatePresence(users: readonly string[]): void {
    this.presence = users;
    this.presenceTimer ??= setTimeout(() => {
      this.presenceTimer = undefined;
      const latest = this.presence;
      if (!latest) return;
      const event: OutboundEvent = {
        kind: 'presence',
        room: this.name,
        users: latest,
        joined: this.joinedSince,
        left: this.leftSince,
      };
      this.presence = undefined;
      this.joinedSince = [];
      this.leftSince = [];
      this.broadcast(event);
    }, this.presenceIntervalMs);
  }

  /** Sends `event` to every member whose join has completed, after the messages heard so far. */
  private broadcast(event: OutboundEvent): void {
    this.flush();
    for (const { session, membership } of this.members.values()) {
      // A member still joining gets a fresh presence once its own join is announced.
      if (membership.pending === undefined) session.send(event);
    }
  }

  /** Drops pending work; the room is gone from this replica. */
  dispose(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    clearTimeout(this.presenceTimer);
    this.outbox = [];
    this.presence = undefined;
    this.joinedSince = [];
    this.leftSince = [];
  }
}
