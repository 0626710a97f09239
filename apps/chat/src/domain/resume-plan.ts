import type { ResumeOutcome } from './chat-events.js';
import type { RoomSnapshot } from './room-backplane.js';

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
