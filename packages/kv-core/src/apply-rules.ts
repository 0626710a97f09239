import {
  type ApplyOutcome,
  MAX_TXN_OPS,
  type Mutation,
  type Precondition,
  type Transaction,
  type Write,
} from './engine.js';
import { KvError } from './errors.js';
import { compareStamps, isNewer, type Stamp, stampId } from './hlc.js';
import { type KvLimits, validateKey, validateValue } from './limits.js';

/**
 * The rules every engine applies writes by, in one place so the log engine and the SQL engine cannot disagree:
 * "newest stamp wins", conditions checked against the stored state at apply time, expired keys counting as absent,
 * transactions all or nothing. Engines only supply the stored state of a key.
 */

/** A key's stored state as far as applying writes is concerned (live value or tombstone). */
export interface StoredState extends Stamp {
  /** False for a tombstone. */
  readonly live: boolean;
  /** Live keys with a TTL: when they expire (ms since the epoch). */
  readonly expiresAt?: number | undefined;
}

/** Whether a stored key is present at `now`: live and not expired. */
export function isPresent(state: StoredState | undefined, now: number): boolean {
  return state?.live === true && (state.expiresAt === undefined || state.expiresAt > now);
}

/** Whether `condition` holds for a key in `state` at `now` (an expired key is absent). */
export function conditionHolds(condition: Precondition, state: StoredState | undefined, now: number): boolean {
  if ('expiredVersion' in condition) {
    return state?.live === true && state.version === condition.expiredVersion && !isPresent(state, now);
  }
  const present = isPresent(state, now);
  if ('absent' in condition) return !present;
  return present && state?.version === condition.version;
}

/**
 * The outcome of applying `m` to a key in `state` at `now`. A key that already holds exactly this stamp holds this
 * write (a redelivery), which is `superseded` before any condition is looked at — the first delivery decided.
 */
function decideMutation(m: Mutation, state: StoredState | undefined, now: number): ApplyOutcome {
  if (state !== undefined && compareStamps(m, state) === 0) return 'superseded';
  if (m.condition !== undefined && !conditionHolds(m.condition, state, now)) return 'failed';
  return isNewer(m, state) ? 'applied' : 'superseded';
}

/**
 * The outcome of a transaction and the mutations of it that take effect. A transaction whose stamp any of its keys
 * already holds was applied before (redelivery): `superseded`. Otherwise every compare must hold, then each mutation
 * takes effect if its stamp is newer than its key's.
 */
function decideTransaction(
  txn: Transaction,
  stateOf: (key: string) => StoredState | undefined,
  now: number,
): { outcome: ApplyOutcome; effective: Mutation[] } {
  for (const m of txn.mutations) {
    const state = stateOf(m.key);
    if (state !== undefined && compareStamps(m, state) === 0) return { outcome: 'superseded', effective: [] };
  }
  for (const c of txn.compares) {
    if (!conditionHolds(c.condition, stateOf(c.key), now)) return { outcome: 'failed', effective: [] };
  }
  const effective = txn.mutations.filter((m) => isNewer(m, stateOf(m.key)));
  return { outcome: effective.length > 0 ? 'applied' : 'superseded', effective };
}

/** What applying one write decides: see {@link decideWrite}. */
export interface WriteDecision {
  readonly outcome: ApplyOutcome;
  /** The mutations that take effect: what the engine stores. */
  readonly effective: readonly Mutation[];
  /**
   * What the engine's listeners hear (see {@link KvEngine.onApplied}): the effective mutations, or for a redelivery
   * of a write still in effect, those of its mutations whose key holds exactly their stamp — so the work that follows
   * a write (the cache update, the change event) is done even when a crash cut the first delivery's short.
   */
  readonly announced: readonly Mutation[];
}

/** The decision on one write of a batch against the stored state, the same in every engine. */
export function decideWrite(
  write: Write,
  stateOf: (key: string) => StoredState | undefined,
  now: number,
): WriteDecision {
  if (write.op === 'txn') {
    const { outcome, effective } = decideTransaction(write, stateOf, now);
    return {
      outcome,
      effective,
      announced: outcome === 'superseded' ? stillInEffect(write.mutations, stateOf) : effective,
    };
  }
  const outcome = decideMutation(write, stateOf(write.key), now);
  const effective = outcome === 'applied' ? [write] : [];
  return { outcome, effective, announced: outcome === 'superseded' ? stillInEffect([write], stateOf) : effective };
}

/** The mutations whose key holds exactly their stamp: what of a write is still in effect (announced again). */
export function stillInEffect(
  mutations: readonly Mutation[],
  stateOf: (key: string) => StoredState | undefined,
): Mutation[] {
  return mutations.filter((m) => {
    const state = stateOf(m.key);
    return state !== undefined && compareStamps(m, state) === 0;
  });
}

/** Whether a put finds its key present (decides `createdAt`): judged at the put's own timestamp, so replay agrees. */
export function keepsCreatedAt(put: Mutation, state: StoredState | undefined): boolean {
  return isPresent(state, put.timestamp);
}

/** The key a write is filed under: its key, or a transaction's first mutation's (which also routes it). */
export function primaryKeyOf(write: Write): string {
  return write.op === 'txn' ? (write.mutations[0]?.key ?? '') : write.key;
}

/**
 * A write's identity: its stamp and the key it is filed under. A writer never mints a version twice, so the stamp
 * alone identifies a write; the key keeps two writers misconfigured with one id from being taken for each other.
 */
export function writeId(write: Write): string {
  return writeIdOf(write, primaryKeyOf(write));
}

/** {@link writeId} from its parts: the write's stamp and the key it is filed under. */
export function writeIdOf(stamp: Stamp, key: string): string {
  return `${stampId(stamp)} ${key}`;
}

/**
 * Whether an engine fed by an at-least-once queue must remember that `write` failed, so a redelivery of it fails
 * again (see `ConformanceOptions.remembersFailedWrites`): it carries a client's condition — a precondition or a
 * transaction's compares — which may hold by the time of a redelivery (`If-None-Match: *` once the key is deleted)
 * although its client was told it failed. The expiry sweep's deletes (`expiredVersion`) are left out: their condition
 * cannot go from failing to holding for a reason that makes the delete wrong, no client waits for them, and every
 * consumer's sweep loses such races as a matter of course.
 */
export function remembersFailure(write: Write): boolean {
  if (write.op === 'txn') return write.compares.length > 0;
  return write.condition !== undefined && !('expiredVersion' in write.condition);
}

/** The keys a write touches (a transaction: its mutations' keys, then keys only compared). */
export function keysOf(write: Write): string[] {
  if (write.op !== 'txn') return [write.key];
  const keys = new Set(write.mutations.map((m) => m.key));
  for (const c of write.compares) keys.add(c.key);
  return [...keys];
}

/** The mutations a write would apply if it took effect wholly. */
export function mutationsOf(write: Write): readonly Mutation[] {
  return write.op === 'txn' ? write.mutations : [write];
}

const MAX_VERSION = (1n << 63n) - 1n;

function validVersion(v: unknown): boolean {
  return typeof v === 'bigint' && v >= 0n && v <= MAX_VERSION;
}

function validatePrecondition(c: Precondition | undefined, key: string): void {
  if (c === undefined) return;
  const valid = 'absent' in c ? c.absent === true : validVersion('version' in c ? c.version : c.expiredVersion);
  if (!valid) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', `condition on ${JSON.stringify(key)} is neither a version nor absent`);
  }
}

/**
 * Checks a mutation is one an engine can store and replay: key and value limits, a 63-bit version, a writer id,
 * finite times, a well-formed condition. Throws {@link KvError}.
 */
export function validateMutation(m: Mutation, limits: KvLimits): void {
  validateKey(m.key, limits);
  if (!validVersion(m.version)) {
    throw new KvError(
      'KV_ERR_INVALID_ARGUMENT',
      `version of ${JSON.stringify(m.key)} is not a 63-bit unsigned integer`,
    );
  }
  if (typeof m.writer !== 'string') throw new KvError('KV_ERR_INVALID_ARGUMENT', 'writer must be a string');
  if (!Number.isFinite(m.timestamp)) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'timestamp must be a finite number');
  validatePrecondition(m.condition, m.key);
  if (m.op === 'put') {
    validateValue(m.value, limits);
    if (m.expiresAt !== undefined && !Number.isFinite(m.expiresAt)) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'expiresAt must be a finite number');
    }
    return;
  }
  if (m.op !== 'delete') {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', `unknown mutation op ${JSON.stringify((m as { op: unknown }).op)}`);
  }
}

/**
 * Checks a write: a mutation as {@link validateMutation}; a transaction has 1..{@link MAX_TXN_OPS} mutations on
 * distinct keys carrying the transaction's stamp and no conditions, and at most MAX_TXN_OPS compares.
 */
export function validateWrite(write: Write, limits: KvLimits, maxOps: number = MAX_TXN_OPS): void {
  if (write.op !== 'txn') {
    validateMutation(write, limits);
    return;
  }
  if (write.mutations.length === 0) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'a transaction needs at least one put or delete');
  }
  if (write.mutations.length > maxOps || write.compares.length > maxOps) {
    throw new KvError(
      'KV_ERR_INVALID_ARGUMENT',
      `a transaction takes at most ${maxOps} operations and ${maxOps} compares`,
      { details: { limit: maxOps } },
    );
  }
  const keys = new Set<string>();
  for (const m of write.mutations) {
    validateMutation(m, limits);
    if (m.condition !== undefined) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'operations inside a transaction take no condition; use compares');
    }
    if (m.version !== write.version || m.writer !== write.writer || m.timestamp !== write.timestamp) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'operations of a transaction must carry its stamp');
    }
    if (keys.has(m.key)) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', `a transaction writes ${JSON.stringify(m.key)} more than once`);
    }
    keys.add(m.key);
  }
  for (const c of write.compares) {
    validateKey(c.key, limits);
    if (c.condition === undefined) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'a compare needs a condition');
    validatePrecondition(c.condition, c.key);
  }
}
