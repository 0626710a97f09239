import type { Logger } from '@kverse/runtime';
import type pg from 'pg';
import { MIGRATIONS, quoteIdent } from './schema.js';

/**
 * Brings the schema up to date. Idempotent, and safe when several replicas start at once: the bookkeeping tables are
 * created with IF NOT EXISTS (a concurrent creation race surfaces as a retryable error), then each pending migration
 * runs in its own transaction holding the lock row `kv_migration_lock(id = 1)` FOR UPDATE, so one process migrates and
 * the others find the work done.
 */
export async function runMigrations(pool: pg.Pool, schema: string, logger: Logger): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  let broken = false;
  try {
    await createIfMissing(client, [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE IF NOT EXISTS ${s}.kv_migration_lock (id INT8 PRIMARY KEY)`,
      `CREATE TABLE IF NOT EXISTS ${s}.kv_migrations (id INT8 PRIMARY KEY, name TEXT NOT NULL, applied_at INT8 NOT NULL)`,
      `INSERT INTO ${s}.kv_migration_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING`,
    ]);
    for (const m of MIGRATIONS) {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE');
      await client.query(`SELECT id FROM ${s}.kv_migration_lock WHERE id = 1 FOR UPDATE`);
      const done = await client.query(`SELECT id FROM ${s}.kv_migrations WHERE id = $1`, [m.id]);
      if (done.rows.length === 0) {
        for (const statement of m.statements(s)) await client.query(statement);
        await client.query(`INSERT INTO ${s}.kv_migrations (id, name, applied_at) VALUES ($1, $2, $3)`, [
          m.id,
          m.name,
          Date.now(),
        ]);
        logger.info({ schema, migration: m.id, name: m.name }, 'applied schema migration');
      }
      await client.query('COMMIT');
    }
  } catch (err) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(broken);
  }
}

// Two processes creating the same table at once: PostgreSQL reports a unique violation on its catalog (23505),
// "already exists" (42P06/42P07), or — when the table's row type collides first — `type "…" already exists` (42710);
// the table exists either way, so the statement is simply tried again.
async function createIfMissing(client: pg.PoolClient, statements: readonly string[]): Promise<void> {
  for (const statement of statements) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(statement);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt < 5 && ['23505', '42P06', '42P07', '42710'].includes(code ?? '')) continue;
        throw err;
      }
    }
  }
}
