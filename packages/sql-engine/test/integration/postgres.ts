import pg from 'pg';

/** The test database; `scripts/services/postgres.sh` provides the default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://kverse:kverse@127.0.0.1:5432/kverse';

/** Fails (never skips) with what is missing when PostgreSQL does not answer. */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `PostgreSQL is not answering at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${(err as Error).message}); ` +
        'start it with `bash scripts/services/postgres.sh` or set DATABASE_URL',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
