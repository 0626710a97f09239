import type { ChatDraft, ChatRecord } from './chat-events.js';

/**
 * What rooms need from the outside world: an ordered, offset-assigning log per room with bounded history, and
 * a way to hear what happens in a room wherever it happened. One implementation keeps everything in this
 * process ({@link MemoryBackplane}); the Redis one lets rooms span server replicas.
 *
 * Guarantees every implementation gives:
 * - `append` gives each accepted message the room's next offset, and listeners hear messages of one room in
 *   offset order, each once (per subscribed replica).
 * - Joins, leaves and presence are heard after the membership change took effect.
 */
export interface RoomBackplane {
  /** Starts delivering the room's events to the listener; resolves once no later event can be missed. */
  subscribe(room: string): Promise<void>;
  /** Stops delivering the room's events. */
  unsubscribe(room: string): Promise<void>;
  /** Gives the message the room's next offset, keeps it in history and announces it. Resolves with the record. */
  append(room: string, draft: ChatDraft): Promise<ChatRecord>;
  /** The room's epoch, latest offset, and the kept messages with offset > `afterOffset` (all kept if 0). */
  read(room: string, afterOffset: number | undefined): Promise<RoomSnapshot>;
  /** Records that `member` (unique per connection and room) is here as `user`, announces the join and presence. */
  addMember(room: string, member: string, user: string): Promise<void>;
  /** Removes `member`, announces the leave and the new presence. */
  removeMember(room: string, member: string, user: string): Promise<void>;
  /** Releases connections; pending calls may fail afterwards. */
  close(): Promise<void>;
}

export interface RoomSnapshot {
  readonly epoch: string;
  /** Offset of the latest message, 0 if none. */
  readonly headOffset: number;
  /** Kept messages after the requested offset, in offset order; empty when `afterOffset` was undefined. */
  readonly messages: readonly ChatRecord[];
}

/** Receives what happens in subscribed rooms. Called in order per room. */
export interface RoomListener {
  onMessage(record: ChatRecord): void;
  onJoined(room: string, member: string, user: string): void;
  onLeft(room: string, member: string, user: string): void;
  /** Everyone in the room now, each user once, sorted. */
  onPresence(room: string, users: readonly string[]): void;
  /** Messages of the room may have gone unheard (the subscription was interrupted): read them back. */
  onResync(room: string): void;
}

/** Each user once, sorted: how presence is shown. */
export function presenceOf(users: Iterable<string>): string[] {
  return [...new Set(users)].sort();
}
