import {
  type ApplyOutcome,
  type ChangeListener,
  DEFAULT_LIMITS,
  type KvEngine,
  KvError,
  type KvLimits,
  type KvRecord,
  keysOf,
  type ListOptions,
  type ListPage,
  type Mutation,
  primaryKeyOf,
  remembersFailure,
  validateWrite,
  type Write,
  writeIdOf,
} from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import { inSpan, KV_SPANS, SpanKind } from '@kverse/telemetry';
import pg from 'pg';
import { type PlannedRow, type PriorRow, planBatch } from './batch-plan.js';
import { boolLiteral, bytesLiteral, int8Literal, textLiteral } from './literals.js';
import { runMigrations } from './migrate.js';
import { withRetry } from './retry.js';
import { quoteIdent } from './schema.js';
import { dbAttributes, tracer } from './tracing.js';

export interface SqlEngineOptions {
  /** `postgres://…` of PostgreSQL or CockroachDB. */
  readonly url: string;
  /** Schema holding the tables (created if missing). @default 'public' */
  readonly schema?: string;
  /** Connections in the pool. @default 10 */
  readonly poolSize?: number;
  /** Largest number of rows in one INSERT statement (a batch may take several, in one transaction). @default 1000 */
  readonly maxRowsPerStatement?: number;
  /** Key and value limits writes are checked against. @default DEFAULT_LIMITS */
  readonly limits?: KvLimits;
  readonly logger: Logger;
}

type Row = {
  key: Buffer;
  value: string;
  version: string;
  writer: Buffer;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
};

const COLUMNS = 'key, value, version, writer, created_at, updated_at, expires_at';
// A row a read may return: live and not expired at the time bound to the given parameter.
const present = (param: number): string => `NOT deleted AND (expires_at IS NULL OR expires_at > $${param})`;

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * How long a decided conditional write is remembered (see `kv_failed_writes`): longer than any redelivery waits — a
 * message a consumer took is redelivered once that consumer's channel closes, or when every consumer comes back.
 */
export const FAILED_WRITE_RETENTION_MS = 7 * 24 * 3600_000;
/** Most tombstones one purge transaction deletes. */
export const PURGE_BATCH = 1000;
/** Each engine prunes remembered failures older than the retention at most this often, with a batch that adds some. */
const FAILED_WRITE_PRUNE_INTERVAL_MS = 60_000;

/**
 * The SQL storage engine (PostgreSQL locally, CockroachDB in the cluster), implementing {@link KvEngine} over `pg`.
 *
 * `apply` runs one SERIALIZABLE transaction: it locks the batch's existing rows (`SELECT … FOR UPDATE`), folds the
 * batch onto them in memory by the apply rules (conditions, transactions, newest stamp — see `planBatch`); a
 * condition on a row that does not exist yet is protected by SERIALIZABLE (a concurrent insert aborts one of the two
 * transactions with 40001, which is retried) — and writes every changed key with
 * ONE multi-row `INSERT … ON CONFLICT (key) DO UPDATE … WHERE (kv.version, kv.writer) < (excluded.version,
 * excluded.writer)` (several past `maxRowsPerStatement`). The WHERE guard makes the upsert safe on its own — a
 * redelivered or late older write never replaces a newer one. A conditional write (or a transaction with compares) is
 * recorded by its stamp and key in `kv_failed_writes` in the same transaction, as failed or applied, so a redelivery
 * of it (a consumer that died between its commit and its acknowledgement) keeps that outcome instead of being decided
 * afresh: what a client was told failed never takes effect later, and one that took effect is not reported failed
 * because a newer write to its key came between. The whole transaction is two round trips (see `applyOnce`). SQLSTATE 40001 is retried
 * with backoff and jitter; an unreachable database is KV_ERR_UNAVAILABLE.
 */
export class SqlEngine implements KvEngine {
  private readonly listeners = new Set<ChangeListener>();
  private readonly table: string;
  private readonly failedTable: string;
  private readonly maxRows: number;
  private lastFailedPrune = 0;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    maxRows: number,
    private readonly logger: Logger,
    private readonly limits: KvLimits,
  ) {
    this.table = `${quoteIdent(schema)}.kv`;
    this.failedTable = `${quoteIdent(schema)}.kv_failed_writes`;
    this.maxRows = maxRows;
  }

  /** Connects, runs pending migrations (serialised across processes), and returns the engine. */
  static async open(options: SqlEngineOptions): Promise<SqlEngine> {
    const schema = options.schema ?? 'public';
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      // Long statements under load are fine; a wedged server is not.
      statement_timeout: 30_000,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', (err) => options.logger.warn({ err: err.message }, 'idle database connection failed'));
    // A checked-out client losing its connection mid-transaction emits 'error' as well, and pg-pool listens only while
    // a client is idle: without this, a database restart during a batch crashes the process. The query in flight
    // rejects with the same error, so the caller still sees the failure.
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      await withRetry(() => runMigrations(pool, schema, options.logger));
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new SqlEngine(
      pool,
      schema,
      options.maxRowsPerStatement ?? 1000,
      options.logger,
      options.limits ?? DEFAULT_LIMITS,
    );
  }

  async get(key: string): Promise<KvRecord | undefined> {
    this.assertOpen();
    const result = await withRetry(() =>
      this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE key = $1 AND ${present(2)}`, [
        utf8(key),
        String(Date.now()),
      ]),
    );
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  }

  /** One statement, so one snapshot of the database. */
  async getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>> {
    this.assertOpen();
    if (keys.length === 0) return [];
    const result = await withRetry(() =>
      this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE key = ANY($1) AND ${present(2)}`, [
        keys.map(utf8),
        String(Date.now()),
      ]),
    );
    const found = new Map(result.rows.map((row) => [row.key.toString('utf8'), toRecord(row)]));
    return keys.map((key) => found.get(key));
  }

  async listExpired(now: number, limit: number): Promise<KvRecord[]> {
    this.assertOpen();
    const result = await withRetry(() =>
      this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE NOT deleted AND expires_at IS NOT NULL AND expires_at <= $1
         ORDER BY expires_at, key LIMIT $2`,
        [String(now), limit],
      ),
    );
    return result.rows.map(toRecord);
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.assertOpen();
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'limit must be an integer of at least 1');
    }
    const prefix = utf8(options.prefix ?? '');
    const params: unknown[] = [prefix, String(Date.now())];
    let where = `key >= $1 AND ${present(2)}`;
    const end = prefixEnd(prefix);
    if (end) {
      params.push(end);
      where += ` AND key < $${params.length}`;
    }
    if (options.after !== undefined) {
      params.push(utf8(options.after));
      where += ` AND key > $${params.length}`;
    }
    params.push(options.limit + 1);
    const result = await withRetry(() =>
      this.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where} ORDER BY key LIMIT $${params.length}`,
        params,
      ),
    );
    const records = result.rows.slice(0, options.limit).map(toRecord);
    const more = result.rows.length > options.limit;
    return more ? { records, nextAfter: records.at(-1)?.key } : { records };
  }

  async apply(batch: readonly Write[]): Promise<ApplyOutcome[]> {
    this.assertOpen();
    if (batch.length === 0) return [];
    for (const w of batch) validateWrite(w, this.limits);
    const { outcomes, announced } = await inSpan(
      tracer,
      KV_SPANS.dbApply,
      SpanKind.CLIENT,
      () => dbAttributes(batch),
      () => withRetry(() => this.applyOnce(batch)),
    );
    const applied = announced.flat();
    if (applied.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(applied);
        } catch (err) {
          this.logger.error({ err }, 'onApplied listener threw; the write itself is committed');
        }
      }
    }
    return outcomes;
  }

  onApplied(listener: ChangeListener): () => void {
    const entry: ChangeListener = (applied) => listener(applied);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /**
   * Deletes tombstones older than `before` in transactions of at most {@link PURGE_BATCH} rows (CockroachDB bounds the
   * size of a transaction, and a short one holds its locks briefly), each found through the partial index of
   * tombstones; resolves with how many went. The remembered failed writes past their retention go too: like a
   * tombstone, such a row only exists to stop a late redelivery, and without this pass rows stayed for as long as no
   * new failure came to prune them.
   */
  async purgeTombstones(before: number): Promise<number> {
    this.assertOpen();
    const tombstones = await this.deleteInBatches(
      `DELETE FROM ${this.table} WHERE key IN (
         SELECT key FROM ${this.table} WHERE deleted AND updated_at < $1 LIMIT ${PURGE_BATCH}
       ) AND deleted AND updated_at < $1`,
      before,
    );
    await this.deleteInBatches(
      `DELETE FROM ${this.failedTable} WHERE (version, writer, key) IN (
         SELECT version, writer, key FROM ${this.failedTable} WHERE failed_at < $1 LIMIT ${PURGE_BATCH}
       )`,
      Date.now() - FAILED_WRITE_RETENTION_MS,
    );
    return tombstones;
  }

  /** Runs a `DELETE` of at most {@link PURGE_BATCH} rows older than `$1` until one deletes fewer; the total. */
  private async deleteInBatches(statement: string, before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await withRetry(() => this.pool.query(statement, [String(before)]));
      const removed = result.rowCount ?? 0;
      total += removed;
      if (removed < PURGE_BATCH) return total;
    }
  }

  /** Whether the database answers (for `/ready`). */
  async ping(): Promise<void> {
    await withRetry(() => this.pool.query('SELECT 1'), { attempts: 1 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new KvError('KV_ERR_SHUTTING_DOWN', 'the SQL engine is closed');
  }

  /**
   * One attempt at a batch, in two round trips to the database: `BEGIN` with the `SELECT … FOR UPDATE` of the batch's
   * rows (and, when the batch holds conditional writes, the lookup of those already failed), then every upsert
   * statement (and the record of new failures) with the `COMMIT`. Each pair travels as one simple-protocol message
   * (node-postgres sends a query only after the previous one's answer, so four statements would be four round trips,
   * each a socket write and a wake-up of the database on both sides); the data is therefore inline, as literals built
   * only from hex and decimal digits (`literals.ts`).
   */
  private async applyOnce(
    batch: readonly Write[],
  ): Promise<{ outcomes: ApplyOutcome[]; announced: ReadonlyArray<readonly Mutation[]> }> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      const keys = [...new Set(batch.flatMap(keysOf))].map((k) => bytesLiteral(utf8(k)));
      const conditional = batch.filter(remembersFailure);
      const [, prior, failed] = (await client.query(
        `BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE;
         SELECT key, version, writer, deleted, created_at, expires_at FROM ${this.table}
         WHERE key IN (${keys.join(', ')}) FOR UPDATE` +
          (conditional.length === 0
            ? ''
            : `;\nSELECT version, writer, key, applied FROM ${this.failedTable}
               WHERE (version, writer, key) IN (${conditional.map((w) => `(${idLiterals(w)})`).join(', ')})`),
      )) as unknown as [pg.QueryResult, pg.QueryResult<PriorRowData>, pg.QueryResult<FailedRowData> | undefined];
      const priorRows = new Map<string, PriorRow>(
        prior.rows.map((r) => [
          r.key.toString('utf8'),
          {
            version: BigInt(r.version),
            writer: r.writer.toString('utf8'),
            live: !r.deleted,
            createdAt: Number(r.created_at),
            expiresAt: r.expires_at === null ? undefined : Number(r.expires_at),
          },
        ]),
      );
      // The rows are locked, so the plan is exactly what the upsert does; its WHERE guard is a second line of defence.
      const decided = failed?.rows ?? [];
      const failedBefore = new Set(decided.filter((r) => !r.applied).map(failedRowId));
      const appliedBefore = new Set(decided.filter((r) => r.applied).map(failedRowId));
      const now = Date.now();
      const plan = planBatch(batch, priorRows, now, failedBefore, appliedBefore);
      const statements: string[] = [];
      for (let i = 0; i < plan.rows.length; i += this.maxRows) {
        statements.push(this.upsertStatement(plan.rows.slice(i, i + this.maxRows)));
      }
      const decidedNow = [
        ...plan.newlyFailed.map((w) => `(${idLiterals(w)}, ${int8Literal(now)}, false)`),
        ...plan.newlyApplied.map((w) => `(${idLiterals(w)}, ${int8Literal(now)}, true)`),
      ];
      if (decidedNow.length > 0) {
        statements.push(
          `INSERT INTO ${this.failedTable} (version, writer, key, failed_at, applied)
           VALUES ${decidedNow.join(', ')}
           ON CONFLICT (version, writer, key) DO NOTHING`,
        );
        if (now - this.lastFailedPrune >= FAILED_WRITE_PRUNE_INTERVAL_MS) {
          this.lastFailedPrune = now;
          statements.push(
            `DELETE FROM ${this.failedTable} WHERE failed_at < ${int8Literal(now - FAILED_WRITE_RETENTION_MS)}`,
          );
        }
      }
      await client.query([...statements, 'COMMIT'].join(';\n'));
      return { outcomes: plan.outcomes, announced: plan.announced };
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** ONE multi-row versioned upsert, its rows inline. */
  private upsertStatement(rows: readonly PlannedRow[]): string {
    const tuples = rows.map(
      (r) =>
        `(${bytesLiteral(utf8(r.key))}, ${textLiteral(r.value)}, ${int8Literal(r.version)}, ` +
        `${bytesLiteral(utf8(r.writer))}, ${boolLiteral(r.deleted)}, ${int8Literal(r.createdAt)}, ` +
        `${int8Literal(r.updatedAt)}, ${r.expiresAt === undefined ? 'NULL::INT8' : int8Literal(r.expiresAt)})`,
    );
    return `INSERT INTO ${this.table} AS kv (key, value, version, writer, deleted, created_at, updated_at, expires_at)
       VALUES ${tuples.join(',\n')}
       ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, version = excluded.version, writer = excluded.writer, deleted = excluded.deleted,
         created_at = excluded.created_at, updated_at = excluded.updated_at, expires_at = excluded.expires_at
       WHERE (kv.version, kv.writer) < (excluded.version, excluded.writer)`;
  }
}

interface FailedRowData {
  version: string;
  writer: Buffer;
  key: Buffer;
  /** Took effect (a decided conditional write), rather than failed. */
  applied?: boolean;
}

/** A write's `version, writer, key` as SQL literals: its row in `kv_failed_writes`. */
const idLiterals = (w: Write): string =>
  `${int8Literal(w.version)}, ${bytesLiteral(utf8(w.writer))}, ${bytesLiteral(utf8(primaryKeyOf(w)))}`;

/** The `writeId` of a row of `kv_failed_writes`. */
const failedRowId = (r: FailedRowData): string =>
  writeIdOf({ version: BigInt(r.version), writer: r.writer.toString('utf8') }, r.key.toString('utf8'));

interface PriorRowData {
  key: Buffer;
  version: string;
  writer: Buffer;
  deleted: boolean;
  created_at: string;
  expires_at: string | null;
}

function toRecord(row: Row): KvRecord {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    version: BigInt(row.version),
    writer: row.writer.toString('utf8'),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
  };
}

/** The smallest byte string above every string starting with `prefix`; undefined for '' (no upper bound). */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] !== 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
