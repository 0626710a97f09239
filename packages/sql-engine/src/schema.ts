/**
 * The SQL schema of the engine, as an ordered list of migrations. Every statement is accepted by both PostgreSQL and
 * CockroachDB. All tables live in one schema (`public` by default), so tests and tenants can use their own.
 *
 * `kv` — one row per key, live or tombstone:
 *
 * | column       | type  | meaning                                                                                |
 * | ------------ | ----- | -------------------------------------------------------------------------------------- |
 * | `key`        | BYTEA | the key's UTF-8 bytes; BYTEA orders bytewise on both databases = `compareKeys` order  |
 * | `value`      | TEXT  | the value; '' for a tombstone                                                          |
 * | `version`    | INT8  | hybrid-logical-clock version of the write that produced the row                        |
 * | `writer`     | BYTEA | id of the writer that minted `version` (ASCII); `(version, writer)` orders all writes |
 * | `deleted`    | BOOL  | true for a tombstone (a delete with a version, purged after a grace period)            |
 * | `created_at` | INT8  | ms since the epoch when the key was (re)created by a put; 0 for a tombstone            |
 * | `updated_at` | INT8  | ms since the epoch when the front door accepted the write that produced the row       |
 * | `expires_at` | INT8  | live keys with a TTL: ms since the epoch when the key expires; NULL when it never does |
 *
 * Each migration runs in its own transaction (CockroachDB does not let a transaction use a column or index that an
 * earlier statement of it added), so schema changes and the statements depending on them are separate migrations.
 *
 * `kv_migrations` records applied migrations; `kv_migration_lock` holds one row that a migrating process locks
 * (`SELECT … FOR UPDATE`), because advisory locks do not exist on CockroachDB.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: (schema: string) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'kv table',
    statements: (s) => [
      `CREATE TABLE IF NOT EXISTS ${s}.kv (
        key BYTEA PRIMARY KEY,
        value TEXT NOT NULL,
        version INT8 NOT NULL,
        writer BYTEA NOT NULL,
        deleted BOOL NOT NULL,
        created_at INT8 NOT NULL,
        updated_at INT8 NOT NULL
      )`,
      // Tombstone GC scans only tombstones.
      `CREATE INDEX IF NOT EXISTS kv_tombstones ON ${s}.kv (updated_at) WHERE deleted`,
    ],
  },
  {
    id: 2,
    name: 'kv.expires_at',
    statements: (s) => [`ALTER TABLE ${s}.kv ADD COLUMN IF NOT EXISTS expires_at INT8`],
  },
  {
    id: 3,
    name: 'kv expiry index',
    // The expiry sweep scans only live keys with a TTL.
    statements: (s) => [
      `CREATE INDEX IF NOT EXISTS kv_expiry ON ${s}.kv (expires_at) WHERE expires_at IS NOT NULL AND NOT deleted`,
    ],
  },
  {
    id: 4,
    name: 'kv_failed_writes',
    // Writes whose condition did not hold, by stamp and key: a redelivery of one fails again (see SqlEngine).
    statements: (s) => [
      `CREATE TABLE IF NOT EXISTS ${s}.kv_failed_writes (
        version INT8 NOT NULL,
        writer BYTEA NOT NULL,
        key BYTEA NOT NULL,
        failed_at INT8 NOT NULL,
        PRIMARY KEY (version, writer, key)
      )`,
      `CREATE INDEX IF NOT EXISTS kv_failed_writes_age ON ${s}.kv_failed_writes (failed_at)`,
    ],
  },
  {
    id: 5,
    name: 'kv_failed_writes.applied',
    // The table remembers every decided conditional write, not only failed ones: `applied` marks one that took
    // effect, so a redelivery after a newer write to its key is not judged afresh and reported failed.
    statements: (s) => [
      `ALTER TABLE ${s}.kv_failed_writes ADD COLUMN IF NOT EXISTS applied BOOL NOT NULL DEFAULT false`,
    ],
  },
];

/** Quotes an SQL identifier (schema name). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
