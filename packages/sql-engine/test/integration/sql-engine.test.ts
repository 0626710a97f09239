import { randomBytes } from 'node:crypto';
import { describeEngineConformance } from '@kverse/kv-core/conformance';
import { createLogger } from '@kverse/runtime';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PURGE_BATCH, SqlEngine } from '../../src/index.js';
import { DATABASE_URL, requirePostgres } from './postgres.js';

const logger = createLogger({ name: 'sql-engine-test', level: 'silent' });

/** Each conformance test gets its own schema, dropped afterwards. */
function freshSchema() {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    schemaName: schema,
    open: () => SqlEngine.open({ url: DATABASE_URL, schema, logger, poolSize: 4 }),
    cleanup: async () => {
      const client = new pg.Client(DATABASE_URL);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

await requirePostgres();
describeEngineConformance('SQL engine (PostgreSQL)', freshSchema, { propertyRuns: 15, remembersFailedWrites: true });

describe('SQL engine specifics', () => {
  const harnesses: Array<{ cleanup(): Promise<void> }> = [];
  afterAll(async () => {
    for (const h of harnesses) await h.cleanup();
  });

  it('lets concurrent replicas run migrations at once', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engines = await Promise.all(Array.from({ length: 4 }, () => h.open()));
    await engines[0]?.apply([{ op: 'put', key: 'k', value: 'v', version: 1n, writer: 'w', timestamp: 1 }]);
    expect((await engines[3]?.get('k'))?.value).toBe('v');
    await Promise.all(engines.map((e) => e.close()));
  });

  it('applies a large batch with duplicate keys as one transaction, newest stamp winning', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engine = await h.open();
    const batch = Array.from({ length: 3000 }, (_, i) => ({
      op: 'put' as const,
      key: `k${i % 1200}`,
      value: `v${i}`,
      version: BigInt(i + 1),
      writer: 'w',
      timestamp: i,
    }));
    const results = await engine.apply(batch);
    expect(results.every((r) => r === 'applied')).toBe(true);
    expect((await engine.get('k5'))?.value).toBe(`v${2400 + 5}`);
    expect(await engine.apply(batch)).toEqual(batch.map(() => 'superseded'));
    await engine.close();
  });

  it('stores keys and values that look like SQL byte for byte (the apply path carries them inline)', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engine = await h.open();
    const hostile = [
      "'; DROP TABLE kv; --",
      "O'Reilly \\' \\x41 E'\\n'",
      '$1 $$ $tag$ ) ; COMMIT; BEGIN',
      'ünïcödé ✓ 𝄞 😀 \u2028',
      "decode('00', 'hex')",
    ];
    const writes = hostile.map((text, i) => ({
      op: 'put' as const,
      key: `${text}/${i}`,
      value: text.repeat(3),
      version: BigInt(i + 1),
      writer: `w'${i}`,
      timestamp: 1_700_000_000_000 + i,
    }));
    expect(await engine.apply(writes)).toEqual(writes.map(() => 'applied'));
    for (const w of writes) {
      const got = await engine.get(w.key);
      expect(got?.value).toBe(w.value);
      expect(got?.writer).toBe(w.writer);
      expect(got?.version).toBe(w.version);
    }
    expect((await engine.getMany(writes.map((w) => w.key))).map((r) => r?.key)).toEqual(writes.map((w) => w.key));
    await engine.close();
  });

  it('fails a redelivered conditional write again, even once its condition would hold', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engine = await h.open();
    const client = new pg.Client(DATABASE_URL);
    await client.connect();
    const schema = h.schemaName;
    try {
      // A failure remembered longer ago than the retention is pruned by the next batch that records one.
      await client.query(
        `INSERT INTO ${schema}.kv_failed_writes (version, writer, key, failed_at) VALUES (99, 'old', 'k', 0)`,
      );
      const base = { writer: 'w', timestamp: 1 };
      expect(await engine.apply([{ op: 'put', key: 'k', value: 'v1', version: 1n, ...base }])).toEqual(['applied']);
      const createOnly = {
        op: 'put' as const,
        key: 'k',
        value: 'v2',
        version: 2n,
        condition: { absent: true as const },
        ...base,
      };
      const txn = {
        op: 'txn' as const,
        version: 3n,
        ...base,
        compares: [{ key: 'k', condition: { absent: true as const } }],
        mutations: [{ op: 'put' as const, key: 'k2', value: 'x', version: 3n, ...base }],
      };
      // The expiry sweep's deletes lose races routinely and are not remembered (see remembersFailure).
      const sweep = { op: 'delete' as const, key: 'k', version: 6n, condition: { expiredVersion: 1n }, ...base };
      expect(await engine.apply([createOnly, txn, sweep])).toEqual(['failed', 'failed', 'failed']);
      const remembered = await client.query(
        `SELECT version, writer, key FROM ${schema}.kv_failed_writes ORDER BY version`,
      );
      expect(remembered.rows.map((r) => `${r.version} ${r.writer.toString()} ${r.key.toString()}`)).toEqual([
        '2 w k',
        '3 w k2',
      ]);

      // The key goes away: both conditions would hold now. Delivered again (a consumer died before its ack), the
      // writes its clients were told had failed still fail and change nothing.
      expect(await engine.apply([{ op: 'delete', key: 'k', version: 4n, ...base }])).toEqual(['applied']);
      expect(await engine.apply([createOnly, txn])).toEqual(['failed', 'failed']);
      expect(await engine.get('k')).toBeUndefined();
      expect(await engine.get('k2')).toBeUndefined();

      // A new write with the same condition is decided on its own, against the key's state now.
      expect(await engine.apply([{ ...createOnly, version: 5n }])).toEqual(['applied']);
      expect((await engine.get('k'))?.value).toBe('v2');
    } finally {
      await client.end();
      await engine.close();
    }
  });

  it('keeps a redelivered conditional write that took effect from being judged again after a newer write', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engine = await h.open();
    try {
      const base = { writer: 'w', timestamp: 1 };
      expect(await engine.apply([{ op: 'put', key: 'c', value: 'v1', version: 1n, ...base }])).toEqual(['applied']);
      const ifMatch = { op: 'put' as const, key: 'c', value: 'v2', version: 2n, condition: { version: 1n }, ...base };
      const txn = {
        op: 'txn' as const,
        version: 3n,
        ...base,
        compares: [{ key: 'c', condition: { version: 2n } }],
        mutations: [{ op: 'put' as const, key: 'c2', value: 'x', version: 3n, ...base }],
      };
      expect(await engine.apply([ifMatch, txn])).toEqual(['applied', 'applied']);
      // Newer writes to both keys, then both come again (their consumer died before acknowledging them): their
      // conditions would fail against the newer state, but they took effect and must not be reported failed.
      expect(
        await engine.apply([
          { op: 'put', key: 'c', value: 'v4', version: 4n, ...base },
          { op: 'put', key: 'c2', value: 'y', version: 5n, ...base },
        ]),
      ).toEqual(['applied', 'applied']);
      expect(await engine.apply([ifMatch, txn])).toEqual(['superseded', 'superseded']);
      expect((await engine.get('c'))?.value).toBe('v4');
      expect((await engine.get('c2'))?.value).toBe('y');
    } finally {
      await engine.close();
    }
  });

  it('purges more tombstones than one purge transaction takes, and only the old ones', async () => {
    const h = freshSchema();
    harnesses.push(h);
    const engine = await h.open();
    try {
      const old = Math.floor(PURGE_BATCH * 2.5);
      const deletes = Array.from({ length: old }, (_, i) => ({
        op: 'delete' as const,
        key: `gone/${i}`,
        version: BigInt(i + 1),
        writer: 'w',
        timestamp: 1000,
      }));
      await engine.apply(deletes);
      await engine.apply([
        { op: 'delete', key: 'recent', version: BigInt(old + 1), writer: 'w', timestamp: 5000 },
        { op: 'put', key: 'live', value: 'v', version: BigInt(old + 2), writer: 'w', timestamp: 1000 },
      ]);
      // Failed writes remembered longer than their retention go with the old tombstones; a recent one stays.
      const client = new pg.Client(DATABASE_URL);
      await client.connect();
      const failed = `${h.schemaName}.kv_failed_writes`;
      await client.query(
        `INSERT INTO ${failed} (version, writer, key, failed_at) VALUES (7, 'old', 'k', 0), (8, 'new', 'k', $1)`,
        [String(Date.now())],
      );
      expect(await engine.purgeTombstones(2000)).toBe(old);
      expect(await engine.purgeTombstones(2000)).toBe(0);
      const kept = await client.query(`SELECT writer FROM ${failed}`);
      await client.end();
      expect(kept.rows.map((r) => r.writer.toString())).toEqual(['new']);
      // The recent tombstone still stops an older write; the purged ones no longer do.
      const late = (key: string) => ({
        op: 'put' as const,
        key,
        value: 'late',
        version: 1n,
        writer: 'a',
        timestamp: 1,
      });
      expect(await engine.apply([late('recent'), late('gone/5')])).toEqual(['superseded', 'applied']);
      expect((await engine.get('live'))?.value).toBe('v');
    } finally {
      await engine.close();
    }
  });
});
