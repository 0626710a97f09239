import { randomBytes } from 'node:crypto';
import { describeEngineConformance } from '@kverse/kv-core/conformance';
import { createLogger } from '@kverse/runtime';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlEngine } from '../../src/index.js';
import { DATABASE_URL, requirePostgres } from './postgres.js';

const logger = createLogger({ name: 'sql-engine-test', level: 'silent' });

/** Each conformance test gets its own schema, dropped afterwards. */
function freshSchema() {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
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
describeEngineConformance('SQL engine (PostgreSQL)', freshSchema, { propertyRuns: 15 });

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
});
