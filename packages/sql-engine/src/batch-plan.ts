import { compareKeys, compareStamps, type Mutation, type Stamp } from '@kverse/kv-core';

/** A key's stored row as far as applying mutations is concerned. */
export interface PriorRow extends Stamp {
  readonly deleted: boolean;
  readonly createdAt: number;
}

/** The row a key ends with after a batch: what the single multi-row upsert writes. */
export interface PlannedRow extends Stamp {
  readonly key: string;
  readonly value: string;
  readonly deleted: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface BatchPlan {
  /** One row per key whose state changes, in key order (a fixed lock order, so concurrent batches do not deadlock). */
  readonly rows: readonly PlannedRow[];
  /** Per mutation of the batch, whether it takes effect. */
  readonly results: boolean[];
}

/**
 * Folds a batch onto the stored rows exactly as if its mutations were applied one by one, in batch order: a mutation
 * takes effect when its stamp is newer than the key's current stamp. Each key is left with one row — the newest
 * stamp — so the batch becomes one multi-row upsert with no key twice (which `ON CONFLICT DO UPDATE` forbids).
 */
export function planBatch(batch: readonly Mutation[], prior: ReadonlyMap<string, PriorRow>): BatchPlan {
  const rows = new Map<string, PlannedRow>();
  const results = batch.map((m) => {
    const cur = rows.get(m.key) ?? prior.get(m.key);
    if (cur !== undefined && compareStamps(m, cur) <= 0) return false;
    const live = cur !== undefined && !cur.deleted;
    rows.set(m.key, {
      key: m.key,
      value: m.op === 'put' ? m.value : '',
      version: m.version,
      writer: m.writer,
      deleted: m.op === 'delete',
      createdAt: m.op === 'put' ? (live ? cur.createdAt : m.timestamp) : 0,
      updatedAt: m.timestamp,
    });
    return true;
  });
  return { rows: [...rows.values()].sort((a, b) => compareKeys(a.key, b.key)), results };
}
