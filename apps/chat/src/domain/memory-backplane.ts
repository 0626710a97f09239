import { randomBytes } from 'node:crypto';
import { KvError } from '@kverse/kv-core';
import type { ChatDraft, ChatRecord } from './chat-events.js';
import { presenceOf, type RoomBackplane, type RoomListener, type RoomSnapshot } from './room-backplane.js';

export interface MemoryBackplaneOptions {
  /** Messages kept per room. */
  readonly historySize: number;
  /** Rooms kept at most; empty rooms are forgotten first (their history and epoch with them). */
  readonly maxRooms: number;
}

interface MemoryRoom {
  readonly epoch: string;
  head: number;
  /** Ring of the last `historySize` records; record with offset o sits at (o - 1) % historySize. */
  readonly history: Array<ChatRecord | undefined>;
  readonly members: Map<string, string>;
}

/**
 * Rooms in this process only: offsets come from a counter per room, history is a ring buffer, and listeners are
 * called synchronously inside `append`, so order is the order of calls.
 */
export class MemoryBackplane implements RoomBackplane {
  private readonly rooms = new Map<string, MemoryRoom>();

  constructor(
    private readonly options: MemoryBackplaneOptions,
    private readonly listener: RoomListener,
  ) {}

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async append(roomName: string, draft: ChatDraft): Promise<ChatRecord> {
    const room = this.room(roomName);
    room.head += 1;
    const record: ChatRecord = { room: roomName, epoch: room.epoch, offset: room.head, ...draft };
    room.history[(room.head - 1) % this.options.historySize] = record;
    this.listener.onMessage(record);
    return record;
  }

  async read(roomName: string, afterOffset: number | undefined): Promise<RoomSnapshot> {
    const room = this.room(roomName);
    const messages: ChatRecord[] = [];
    if (afterOffset !== undefined) {
      const oldest = Math.max(1, room.head - this.options.historySize + 1);
      for (let offset = Math.max(oldest, afterOffset + 1); offset <= room.head; offset++) {
        const record = room.history[(offset - 1) % this.options.historySize];
        if (record) messages.push(record);
      }
    }
    return { epoch: room.epoch, headOffset: room.head, messages };
  }

  async addMember(roomName: string, member: string, user: string): Promise<void> {
    const room = this.room(roomName);
    room.members.set(member, user);
    this.listener.onJoined(roomName, member, user);
    this.listener.onPresence(roomName, presenceOf(room.members.values()));
  }

  async removeMember(roomName: string, member: string, user: string): Promise<void> {
    const room = this.rooms.get(roomName);
    if (!room?.members.delete(member)) return;
    this.listener.onLeft(roomName, member, user);
    this.listener.onPresence(roomName, presenceOf(room.members.values()));
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  private room(name: string): MemoryRoom {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    if (this.rooms.size >= this.options.maxRooms) this.evictEmptyRoom();
    const room: MemoryRoom = {
      epoch: randomBytes(8).toString('hex'),
      head: 0,
      history: new Array(this.options.historySize),
      members: new Map(),
    };
    this.rooms.set(name, room);
    return room;
  }

  // Maps iterate in insertion order, so this forgets the oldest room nobody is in.
  private evictEmptyRoom(): void {
    for (const [name, room] of this.rooms) {
      if (room.members.size === 0) {
        this.rooms.delete(name);
        return;
      }
    }
    throw new KvError('KV_ERR_LIMIT_EXCEEDED', `this server already holds ${this.options.maxRooms} occupied rooms`);
  }
}
