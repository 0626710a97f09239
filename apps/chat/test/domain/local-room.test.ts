import { describe, expect, it } from 'vitest';
import type { ChatRecord, OutboundEvent } from '../../src/domain/chat-events.js';
import { NOOP_OBSERVER } from '../../src/domain/chat-observer.js';
import { ChatSession, type Membership } from '../../src/domain/chat-session.js';
import { LocalRoom } from '../../src/domain/local-room.js';
import { TokenBucket } from '../../src/domain/token-bucket.js';

const record = (offset: number, epoch = 'e'): ChatRecord => ({
  room: 'r',
  epoch,
  offset,
  user: 'u',
  text: `m${offset}`,
  sentAtMs: 0,
  senderRequestId: '',
});

function roomWithOneMember(readAfter: (after: number) => Promise<readonly ChatRecord[]>) {
  const received: OutboundEvent[] = [];
  const failures: unknown[] = [];
  const session = new ChatSession(
    '1',
    { write: (event) => received.push(event) > 0, fail: () => {} },
    100,
    new TokenBucket(1, 1, 0),
    () => {},
  );
  const membership: Membership = { room: 'r', user: 'u', member: 'x/1', epoch: 'e', lastOffset: 0, pending: undefined };
  const room = new LocalRoom('r', Promise.resolve(), NOOP_OBSERVER, 0, readAfter, (err) => failures.push(err));
  room.members.set(membership.member, { session, membership });
  const offsets = () =>
    received
      .flatMap((e) => (e.kind === 'message' ? [e.record] : e.kind === 'batch' ? e.records : []))
      .map((r) => r.offset);
  return { room, offsets, failures };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('LocalRoom', () => {
  it('reads back offsets the subscription skipped, and keeps later ones behind them', async () => {
    const asked: number[] = [];
    const { room, offsets } = roomWithOneMember(async (after) => {
      asked.push(after);
      return [record(2), record(3), record(4)];
    });
    room.hear(record(1));
    room.hear(record(4));
    room.hear(record(5));
    await turn();
    await turn();
    expect(asked).toEqual([1]);
    expect(offsets()).toEqual([1, 2, 3, 4, 5]);
  });

  it('goes on with what it heard when history cannot be read, once', async () => {
    const { room, offsets, failures } = roomWithOneMember(async () => {
      throw new Error('redis down');
    });
    room.hear(record(1));
    room.hear(record(4));
    room.hear(record(6));
    await turn();
    await turn();
    expect(failures).toHaveLength(1);
    expect(offsets()).toEqual([1, 4, 6]);
  });

  it('ignores duplicates and follows a new epoch without looking for a gap', async () => {
    const { room, offsets } = roomWithOneMember(async () => {
      throw new Error('not expected');
    });
    room.hear(record(1));
    room.hear(record(1));
    room.hear(record(5, 'new'));
    await turn();
    expect(offsets()).toEqual([1, 5]);
  });
});
