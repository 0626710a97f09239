import type { ChatRecord, OutboundEvent } from './chat-events.js';
import type { ChatSession, Membership } from './chat-session.js';

/** Most messages in one batch event (keeps frames moderate: 256 × 4 KiB = 1 MiB at the default size limit). */
export const MAX_BATCH = 256;

/** One event for consecutive records: a single message, or a batch. */
export function eventFor(records: readonly ChatRecord[]): OutboundEvent {
  return records.length === 1 ? { kind: 'message', record: records[0]! } : { kind: 'batch', records };
}

/**
 * Delivers consecutive records of one room to one member, skipping what it already has; returns whether anything
 * was sent. The shared `event` goes out as is when every record is new to the member (the usual case).
 */
export function deliverAll(
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
