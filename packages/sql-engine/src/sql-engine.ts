import {
  type ChangeListener,
  type KvEngine,
  KvError,
  type KvRecord,
  type ListOptions,
  type ListPage,
  type Mutation,
} from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import pg from 'pg';
import { type PlannedRow, type PriorRow, planBatch } from './batch-plan.js';
import { runMigrations } from './migrate.js';
import { withRetry } from './retry.js';
import { quoteIdent } from './schema.js';

export interface SqlEngineOptions {
  /** `postgres://…` of PostgreSQL or CockroachDB. */
  readonly url: string;
  /** Schema holding the tables (created if missing). @default 'public' */
  readonly schema?: string;
  /** Connections in the pool. @default 10 */
  readonly poolSize?: number;
  /** Largest number of rows in one INSERT statement (a batch may take several, in one transaction). @default 1000 */
  readonly maxRowsPerStatement?: number;
  readonly logger: Logger;
}

type Row = {
  key: Buffer;
  value: string;
  version: string;
  writer: Buffer;
  created_at: string;
  updated_at: string;
};

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * The SQL storage engine (PostgreSQL locally, CockroachDB in the cluster), implementing {@link KvEngine} over `pg`.
 *
 * `apply` runs one SERIALIZABLE transaction: it locks the batch's existing rows (`SELECT … FOR UPDATE`), folds the
 * batch onto them in memory (each key ends with its newest stamp — see `planBatch`) and writes every changed key with
 * ONE multi-row `INSERT … ON CONFLICT (key) DO UPDATE … WHERE (kv.version, kv.writer) < (excluded.version,
 * excluded.writer)`. The WHERE guard makes the upsert safe on its own — a redelivered or late older write never
 * replaces a newer one — and `RETURNING key` reports the rows that really changed. SQLSTATE 40001 is retried with
 * backoff and jitter; an unreachable database is KV_ERR_UNAVAILABLE.
 */
export class SqlEngine implements KvEngine {
  private readonly listeners = new Set<ChangeListener>();
  private readonly table: string;
  private readonly maxRows: number;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    maxRows: number,
    private readonly logger: Logger,
  ) {
    this.table = `${quoteIdent(schema)}.kv`;
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
    return new SqlEngine(pool, schema, options.maxRowsPerStatement ?? 1000, options.logger);
  }

  async get(key: string): Promise<KvRecord | undefined> {
    this.assertOpen();
    const result = await withRetry(() =>
      this.pool.query<Row>(
        `SELECT key, value, version, writer, created_at, updated_at FROM ${this.table} WHERE key = $1 AND NOT deleted`,
        [utf8(key)],
      ),
    );
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.assertOpen();
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'limit must be an integer of at least 1');
    }
    const prefix = utf8(options.prefix ?? '');
    const params: unknown[] = [prefix];
    let where = 'NOT deleted AND key >= $1';
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
        `SELECT key, value, version, writer, created_at, updated_at FROM ${this.table}
         WHERE ${where} ORDER BY key LIMIT $${params.length}`,
        params,
      ),
    );
    const records = result.rows.slice(0, options.limit).map(toRecord);
    const more = result.rows.length > options.limit;
    return more ? { records, nextAfter: records.at(-1)?.key } : { records };
  }

  async apply(batch: readonly Mutation[]): Promise<boolean[]> {
    this.assertOpen();
    if (batch.length === 0) return [];
    const results = await withRetry(() => this.applyOnce(batch));
    const applied = batch.filter((_, i) => results[i]);
    if (applied.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(applied);
        } catch (err) {
          this.logger.error({ err }, 'onApplied listener threw; the write itself is committed');
        }
      }
    }
    return results;
  }

  onApplied(listener: ChangeListener): () => void {
    const entry: ChangeListener = (applied) => listener(applied);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async purgeTombstones(before: number): Promise<number> {
    this.assertOpen();
    const result = await withRetry(() =>
      this.pool.query(`DELETE FROM ${this.table} WHERE deleted AND updated_at < $1`, [String(before)]),
    );
    return result.rowCount ?? 0;
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

  private async applyOnce(batch: readonly Mutation[]): Promise<boolean[]> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE');
      const keys = [...new Set(batch.map((m) => m.key))].map(utf8);
      const prior = await client.query<{
        key: Buffer;
        version: string;
        writer: Buffer;
        deleted: boolean;
        created_at: string;
      }>(`SELECT key, version, writer, deleted, created_at FROM ${this.table} WHERE key = ANY($1) FOR UPDATE`, [keys]);
      const priorRows = new Map<string, PriorRow>(
        prior.rows.map((r) => [
          r.key.toString('utf8'),
          {
            version: BigInt(r.version),
            writer: r.writer.toString('utf8'),
            deleted: r.deleted,
            createdAt: Number(r.created_at),
          },
        ]),
      );
      const plan = planBatch(batch, priorRows);
      const changed = new Set<string>();
      for (let i = 0; i < plan.rows.length; i += this.maxRows) {
        for (const key of await this.upsert(client, plan.rows.slice(i, i + this.maxRows))) changed.add(key);
      }
      await client.query('COMMIT');
      return plan.results.map((ok, i) => ok && changed.has(batch[i]?.key ?? ''));
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** ONE multi-row versioned upsert; returns the keys whose row changed. */
  private async upsert(client: pg.PoolClient, rows: readonly PlannedRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const params: unknown[] = [];
    const tuples = rows.map((r) => {
      const n = params.length;
      params.push(
        utf8(r.key),
        r.value,
        r.version.toString(),
        utf8(r.writer),
        r.deleted,
        String(r.createdAt),
        String(r.updatedAt),
      );
      return `($${n + 1}, $${n + 2}, $${n + 3}::INT8, $${n + 4}, $${n + 5}, $${n + 6}::INT8, $${n + 7}::INT8)`;
    });
    const result = await client.query<{ key: Buffer }>(
      `INSERT INTO ${this.table} AS kv (key, value, version, writer, deleted, created_at, updated_at)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, version = excluded.version, writer = excluded.writer, deleted = excluded.deleted,
         created_at = excluded.created_at, updated_at = excluded.updated_at
       WHERE (kv.version, kv.writer) < (excluded.version, excluded.writer)
       RETURNING key`,
      params,
    );
    return result.rows.map((r) => r.key.toString('utf8'));
  }
}

function toRecord(row: Row): KvRecord {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    version: BigInt(row.version),
    writer: row.writer.toString('utf8'),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
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
