import {
  type ApplyOutcome,
  compareKeys,
  decideWrite,
  keepsCreatedAt,
  type Mutation,
  mutationsOf,
  remembersFailure,
  type StoredState,
  stillInEffect,
  type Write,
  writeId,
} from '@kverse/kv-core';

/** A key's stored row as far as applying writes is concerned. */
export interface PriorRow extends StoredState {
  readonly createdAt: number;
}

/** The row a key ends with after a batch: what the single multi-row upsert writes. */
export interface PlannedRow {
  readonly key: string;
  readonly value: string;
  readonly version: bigint;
  readonly writer: string;
  readonly deleted: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number | undefined;
}

export interface BatchPlan {
  /** One row per key whose state changes, in key order (a fixed lock order, so concurrent batches do not deadlock). */
  readonly rows: readonly PlannedRow[];
  /** Per write of the batch, its outcome. */
  readonly outcomes: ApplyOutcome[];
  /** Per write, the mutations its listeners hear (in batch order; see `WriteDecision.announced`). */
  readonly announced: ReadonlyArray<readonly Mutation[]>;
  /**
   * The writes of the batch that failed for the first time and must stay failed (`remembersFailure`): recorded, so a
   * redelivery of one fails again.
   */
  readonly newlyFailed: readonly Write[];
  /**
   * The conditional writes of the batch (`remembersFailure`) that took effect for the first time: recorded, so a
   * redelivery of one after a newer write to its key is not judged against that newer state.
   */
  readonly newlyApplied: readonly Write[];
}

/**
 * Folds a batch onto the stored rows exactly as if its writes were applied one by one, in batch order, by the apply
 * rules of `@kverse/kv-core` (conditions against the state at that point, newest stamp wins, transactions all or
 * nothing). Each key is left with one row — its final state — so the batch becomes one multi-row upsert with no key
 * twice (which `ON CONFLICT DO UPDATE` forbids).
 *
 * `failedBefore` holds the ids (`writeId`) of writes already decided `failed` (a redelivery: the consumer that applied
 * the batch died before acknowledging it). They fail again without being decided afresh: a condition that did not
 * hold may hold now (`If-None-Match: *` once the key is deleted), and a write its client was told had failed must
 * never take effect later. `appliedBefore` holds the conditional writes already applied: a redelivery of one is
 * `superseded` (it took effect; its key may hold a newer write now, whose state its condition would fail against).
 */
export function planBatch(
  batch: readonly Write[],
  prior: ReadonlyMap<string, PriorRow>,
  now: number,
  failedBefore: ReadonlySet<string> = new Set(),
  appliedBefore: ReadonlySet<string> = new Set(),
): BatchPlan {
  const rows = new Map<string, PlannedRow>();
  const state = (key: string): PriorRow | undefined => {
    const row = rows.get(key);
    return row === undefined
      ? prior.get(key)
      : {
          version: row.version,
          writer: row.writer,
          live: !row.deleted,
          expiresAt: row.expiresAt,
          createdAt: row.createdAt,
        };
  };
  const announced: Array<readonly Mutation[]> = [];
  const newlyFailed: Write[] = [];
  const newlyApplied: Write[] = [];
  const failed = new Set(failedBefore);
  const applied = new Set(appliedBefore);
  const outcomes = batch.map((w): ApplyOutcome => {
    const remembered = remembersFailure(w);
    const id = remembered ? writeId(w) : '';
    if (remembered && failed.has(id)) {
      announced.push([]);
      return 'failed';
    }
    if (remembered && applied.has(id)) {
      // Decided before: what of it is still in effect is announced again, as for any redelivered write.
      announced.push(stillInEffect(mutationsOf(w), state));
      return 'superseded';
    }
    const decision = decideWrite(w, state, now);
    for (const m of decision.effective) rows.set(m.key, rowAfter(m, state(m.key)));
    announced.push(decision.announced);
    if (remembered && decision.outcome === 'failed') {
      newlyFailed.push(w);
      failed.add(id);
    } else if (remembered && decision.outcome === 'applied') {
      newlyApplied.push(w);
      applied.add(id);
    }
    return decision.outcome;
  });
  return {
    rows: [...rows.values()].sort((a, b) => compareKeys(a.key, b.key)),
    outcomes,
    announced,
    newlyFailed,
    newlyApplied,
  };
}

function rowAfter(m: Mutation, cur: PriorRow | undefined): PlannedRow {
  const base = { key: m.key, version: m.version, writer: m.writer, updatedAt: m.timestamp };
  if (m.op === 'delete') return { ...base, value: '', deleted: true, createdAt: 0, expiresAt: undefined };
  return {
    ...base,
    value: m.value,
    deleted: false,
    createdAt: cur !== undefined && keepsCreatedAt(m, cur) ? cur.createdAt : m.timestamp,
    expiresAt: m.expiresAt,
  };
}
