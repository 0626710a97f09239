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
  /** The last message heard here, to notice offsets the subscription skipped. */
  private heard: { epoch: string; offset: number } | undefined;
  /** While missed messages are read back from history, newer ones wait here. */
  private held: ChatRecord[] | undefined;

  constructor(
    readonly name: string,
    /** Settles once the backplane delivers this room's events here. */
    readonly subscribed: Promise<void>,
    private readonly observer: ChatObserver,
    private readonly presenceIntervalMs: number,
    /** Reads the kept messages after an offset (the backplane's history), to fill a gap in what was heard. */
    private readonly readAfter: (offset: number) => Promise<readonly ChatRecord[]>,
    private readonly onRepairFailed: (err: unknown) => void,
  ) {}

  /** Nobody is here or on the way in: the room can be released. */
  get idle(): boolean {
    return this.members.size === 0 && this.joining === 0;
  }

  /**
   * A message of this room was heard; it reaches the members at the end of this turn (or now, past a batch).
   * When its offset skips ahead of the last one heard in the same epoch (the replica's subscription dropped and
   * came back, say), the skipped messages are read from history first, so members still get every offset in order.
   */
  hear(record: ChatRecord): void {
    if (this.held) {
      this.held.push(record);
      return;
    }
    const last = this.heard;
    if (last && record.epoch === last.epoch && record.offset > last.offset + 1) {
      this.held = [record];
      void this.fillGap(last.epoch, last.offset);
      return;
    }
    this.accept(record);
  }

  /** Reads back whatever was published after the last message heard (the subscription was interrupted). */
  resync(): void {
    const last = this.heard;
    if (this.held || !last) return;
    this.held = [];
    void this.fillGap(last.epoch, last.offset);
  }

  private accept(record: ChatRecord): void {
    const last = this.heard;
    if (last && record.epoch === last.epoch && record.offset <= last.offset) return;
    this.heard = { epoch: record.epoch, offset: record.offset };
    this.outbox.push(record);
    if (this.outbox.length >= MAX_BATCH) this.flush();
    else this.flushTimer ??= setImmediate(() => this.flush());
  }

  private async fillGap(epoch: string, after: number): Promise<void> {
    try {
      for (const record of await this.readAfter(after)) if (record.epoch === epoch) this.accept(record);
    } catch (err) {
      // History unavailable: go on with what was heard; members that resume later still get the missed messages.
      this.onRepairFailed(err);
    }
    // One attempt: what history no longer holds stays missing (a member resuming is told so).
    const held = this.held ?? [];
    this.held = undefined;
    for (const record of held) this.accept(record);
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
    this.held = undefined;
    this.presence = undefined;
    this.joinedSince = [];
    this.leftSince = [];
  }
}
