import { describe } from 'vitest';
import { describeConditions } from './conformance/conditions.js';
import type { ConformanceOptions, EngineFactory } from './conformance/harness.js';
import { describeLifecycle } from './conformance/lifecycle.js';
import { describeListing } from './conformance/listing.js';
import { describeModel } from './conformance/model.js';
import { describeWrites } from './conformance/writes.js';

export type { ConformanceOptions, EngineFactory, EngineHarness } from './conformance/harness.js';

/**
 * The conformance suite every `KvEngine` must pass (the log engine, the SQL engine): call it at the top level
 * of a vitest test file. It uses only the KvEngine interface.
 *
 * `factory` gives fresh, empty storage per test; its harness's `open()` must reopen the same storage after a close,
 * which is how durability is checked.
 *
 * ```ts
 * describeEngineConformance('log engine', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'kv-'));
 *   return { open: () => openLogEngine({ dir }), cleanup: () => rm(dir, { recursive: true }) };
 * });
 * ```
 *
 * Covers: get/put/delete as tombstones (older deletes do not remove, older puts do not resurrect), writer
 * tie-breaks, batches, redelivery, order independence, listing by prefix in UTF-8 byte order with `after`/`limit`
 * paging, `onApplied`, `purgeTombstones`, `createdAt`/`updatedAt`, durability across reopen, concurrency, close,
 * conditional writes (including racing writers on one version), TTL and `listExpired`, transactions (all or nothing,
 * never partially visible to `getMany`) — and a property-based test of random operation sequences, conditions and
 * transactions included, against an in-memory model.
 */
export function describeEngineConformance(
  name: string,
  factory: EngineFactory,
  options: ConformanceOptions = {},
): void {
  describe(`KvEngine conformance: ${name}`, () => {
    describeWrites(factory, options);
    describeConditions(factory, options);
    describeListing(factory);
    describeLifecycle(factory, options);
    describeModel(factory, options);
  });
}
