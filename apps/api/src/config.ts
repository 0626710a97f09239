import { defineConfig, logLevelSetting, setting } from '@kverse/runtime';
import { Type } from 'typebox';

/** Settings of the REST API (apps/api). */
export const apiConfigSpec = defineConfig({
  port: setting('PORT', Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }), 'REST API port'),
  host: setting('HOST', Type.String({ default: '0.0.0.0' }), 'Address the REST API binds'),
  logLevel: logLevelSetting,
  waitAppliedMs: setting(
    'KVERSE_WAIT_APPLIED_MS',
    Type.Integer({ minimum: 1, maximum: 60_000, default: 5000 }),
    'Longest time `?wait=applied` waits before answering 504',
  ),
  maxListLimit: setting(
    'KVERSE_MAX_LIST_LIMIT',
    Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    'Largest page a list may ask for',
  ),
  sseHeartbeatMs: setting(
    'KVERSE_SSE_HEARTBEAT_MS',
    Type.Integer({ minimum: 1000, maximum: 300_000, default: 15_000 }),
    'Interval of SSE comment heartbeats that keep idle watch connections open through proxies',
  ),
  webRoot: setting(
    'KVERSE_WEB_ROOT',
    Type.Optional(Type.String()),
    'Folder of the built web UI to serve at /ui/ (default: the apps/web build when present)',
  ),
});
