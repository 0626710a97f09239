import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_LIMITS, type KvLimits } from '@kverse/kv-core';
import { type ConfigOf, defineConfig, setting } from '@kverse/runtime';
import { Type } from 'typebox';

/**
 * The largest limits a deployment may configure (`KVERSE_MAX_KEY_BYTES`, `KVERSE_MAX_VALUE_BYTES`): what a write
 * consumer, which applies writes any front door may have accepted, checks them against.
 */
export const MAX_CONFIGURABLE_LIMITS: KvLimits = Object.freeze({ maxKeyBytes: 65536, maxValueBytes: 16 * 1024 * 1024 });

/** Settings of the data plane, shared by every front door in a process. */
export const dataPlaneConfigSpec = defineConfig({
  dataDir: setting(
    'KVERSE_DATA_DIR',
    Type.String({ default: './.kverse/data' }),
    'Data directory of the embedded log engine (write-ahead log and snapshots)',
  ),
  fsync: setting(
    'KVERSE_FSYNC',
    Type.Union([Type.Literal('group'), Type.Literal('per-write'), Type.Literal('none')], { default: 'group' }),
    'Log engine durability: `group` shares one fsync among concurrent writes; `none` is for tests only',
  ),
  writerId: setting(
    'KVERSE_WRITER_ID',
    Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
    'Id that breaks ties between writers minting the same version (default: host name + random suffix)',
  ),
  maxKeyBytes: setting(
    'KVERSE_MAX_KEY_BYTES',
    Type.Integer({ minimum: 1, maximum: MAX_CONFIGURABLE_LIMITS.maxKeyBytes, default: DEFAULT_LIMITS.maxKeyBytes }),
    'Largest key, in UTF-8 bytes',
  ),
  maxValueBytes: setting(
    'KVERSE_MAX_VALUE_BYTES',
    Type.Integer({ minimum: 1, maximum: MAX_CONFIGURABLE_LIMITS.maxValueBytes, default: DEFAULT_LIMITS.maxValueBytes }),
    'Largest value, in UTF-8 bytes',
  ),
  watchRetention: setting(
    'KVERSE_WATCH_RETENTION',
    Type.Integer({ minimum: 0, maximum: 10_000_000, default: 10_000 }),
    'Recent changes kept so watchers can resume after a reconnect',
  ),
  watchRetentionBytes: setting(
    'KVERSE_WATCH_RETENTION_BYTES',
    Type.Integer({ minimum: 0, maximum: 16 * 1024 * 1024 * 1024, default: 64 * 1024 * 1024 }),
    'Most key and value characters those kept changes hold; the oldest go first when either bound is passed',
  ),
  expirySweepMs: setting(
    'KVERSE_EXPIRY_SWEEP_MS',
    Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1000 }),
    'How often expired keys (TTL) are deleted, so watchers see the delete; reads hide them from the moment they expire',
  ),
  tombstoneRetentionMs: setting(
    'KVERSE_TOMBSTONE_RETENTION_MS',
    Type.Integer({ minimum: 0, maximum: 30 * 24 * 3_600_000, default: 24 * 3_600_000 }),
    'How long a delete’s tombstone is kept (a write older than the delete arriving later could revive the key); 0: for good',
  ),
  watchBuffer: setting(
    'KVERSE_WATCH_BUFFER',
    Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1024 }),
    'Changes a slow watcher may fall behind before it is closed (with the version to resume from)',
  ),
});

/** A writer id unique enough to break ties: the host (pod) name plus a random suffix. */
/** The key and value limits of a data plane's settings. */
export function limitsOf(
  config: Pick<ConfigOf<typeof dataPlaneConfigSpec>, 'maxKeyBytes' | 'maxValueBytes'>,
): KvLimits {
  return { ...DEFAULT_LIMITS, maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes };
}

export function defaultWriterId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '')
      .slice(0, 48) || 'node';
  return `${host}-${randomBytes(3).toString('hex')}`;
}
