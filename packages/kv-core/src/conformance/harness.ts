import type { KvEngine, KvRecord, Mutation, Transaction } from '../engine.js';
import type { Version } from '../hlc.js';

/**
 * One engine's storage under test. `open` may be called again after the previous engine was closed and must then
 * open the same storage, which is how the suite checks durability.
 */
export interface EngineHarness {
  open(): Promise<KvEngine>;
  /** Deletes the storage; called once per test, after the last engine was closed. */
  cleanup(): Promise<void>;
}

/** Makes a harness on fresh, empty storage. */
export type EngineFactory = () => EngineHarness | Promise<EngineHarness>;

export interface ConformanceOptions {
  /** Runs of the property-based test. @default 40 */
  readonly propertyRuns?: number;
  /** Timeout of the slower tests (property, concurrency), ms. @default 120000 */
  readonly slowTimeoutMs?: number;
  /**
   * The engine remembers the writes it decided `failed` (by `writeId`) and fails them again when they are applied
   * again, as an engine fed by an at-least-once queue must (the SQL engine). @default false
   */
  readonly remembersFailedWrites?: boolean;
}

/** An engine under test plus the ability to close it and open the same storage again. */
export interface Session {
  /** The engine opened last (still readable after {@link close}, to check that calls fail). */
  readonly engine: KvEngine;
  /** Closes the current engine. */
  close(): Promise<void>;
  /** Closes the current engine (unless closed) and opens the same storage again. */
  reopen(): Promise<KvEngine>;
}

/**
 * Runs `body` against a fresh harness, closing whatever engine is open and cleaning up the storage afterwards,
 * whether the body passed or not.
 */
export async function withEngine(factory: EngineFactory, body: (s: Session) => Promise<void>): Promise<void> {
  const harness = await factory();
  let engine: KvEngine | undefined;
  let open = false;
  const close = async (): Promise<void> => {
    if (open) await engine?.close();
    open = false;
  };
  try {
    engine = await harness.open();
    open = true;
    await body({
      get engine(): KvEngine {
        return engine as KvEngine;
      },
      close,
      async reopen(): Promise<KvEngine> {
        await close();
        engine = await harness.open();
        open = true;
        return engine;
      },
    });
  } finally {
    await close();
    await harness.cleanup();
  }
}

/** A fixed epoch for test timestamps, so `createdAt`/`updatedAt` are predictable. */
export const T0 = 1_700_000_000_000;

export interface StampInput {
  /** @default 'w1' */
  readonly writer?: string;
  /** @default T0 + version */
  readonly timestamp?: number;
}

export function put(key: string, value: string, version: Version | number, s: StampInput = {}): Mutation {
  const v = BigInt(version);
  return { op: 'put', key, value, version: v, writer: s.writer ?? 'w1', timestamp: s.timestamp ?? T0 + Number(v) };
}

export function del(key: string, version: Version | number, s: StampInput = {}): Mutation {
  const v = BigInt(version);
  return { op: 'delete', key, version: v, writer: s.writer ?? 'w1', timestamp: s.timestamp ?? T0 + Number(v) };
}

/** A transaction of puts (`value` given) and deletes, all stamped `version`, applied if every compare holds. */
export function txn(
  version: number,
  ops: ReadonlyArray<{ key: string; value?: string }>,
  compares: Transaction['compares'] = [],
  writer = 'w1',
): Transaction {
  const stamp = { version: BigInt(version), writer, timestamp: T0 + version };
  return {
    op: 'txn',
    ...stamp,
    compares,
    mutations: ops.map(
      (o): Mutation =>
        o.value === undefined
          ? { op: 'delete', key: o.key, ...stamp }
          : { op: 'put', key: o.key, value: o.value, ...stamp },
    ),
  };
}

/** Every live record, read through `list` pages of `pageSize`. */
export async function listAll(engine: KvEngine, prefix = '', pageSize = 1000): Promise<KvRecord[]> {
  const out: KvRecord[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1_000_000; pages++) {
    const page = await engine.list({ prefix, limit: pageSize, ...(after === undefined ? {} : { after }) });
    out.push(...page.records);
    if (page.nextAfter === undefined) return out;
    after = page.nextAfter;
  }
  throw new Error('list never reached its last page');
}

/** The parts of a record that do not depend on the order mutations were applied in (createdAt does). */
export function stateOf(records: readonly KvRecord[]): Array<[string, string, string, string, number]> {
  return records.map((r) => [r.key, r.value, String(r.version), r.writer, r.updatedAt]);
}
