import { type ConfigOf, defineConfig, setting } from '@kverse/runtime';
import { Type } from 'typebox';

const rate = (fallback: number) => Type.Number({ minimum: 0, maximum: 1_000_000, default: fallback });

/**
 * Settings of access control, shared by every front door of a process (REST and gRPC read the same ones, so one
 * Secret configures both). Tokens are given as `id:scope:sha256hex` entries; see docs/auth.md.
 */
export const accessConfigSpec = defineConfig({
  enabled: setting(
    'KVERSE_AUTH_ENABLED',
    Type.Boolean({ default: false }),
    'Require a bearer token on every KV request (REST and gRPC); health, metrics, docs and the web UI stay open',
  ),
  tokens: setting(
    'KVERSE_AUTH_TOKENS',
    Type.Optional(Type.String()),
    'Accepted tokens, comma-separated `id:scope:sha256hex` entries (scope `read` or `write`; create with `kverse token create`)',
    true,
  ),
  tokensFile: setting(
    'KVERSE_AUTH_TOKENS_FILE',
    Type.Optional(Type.String({ minLength: 1 })),
    'File of accepted tokens, one `id:scope:sha256hex` entry a line (a mounted Secret); adds to KVERSE_AUTH_TOKENS',
  ),
  tokenRps: setting(
    'KVERSE_RATE_LIMIT_RPS',
    rate(1000),
    'Requests per second each token may make (token bucket refill rate); 0 = no per-token limit',
  ),
  tokenBurst: setting(
    'KVERSE_RATE_LIMIT_BURST',
    rate(2000),
    'Requests a token may make at once before KVERSE_RATE_LIMIT_RPS applies (bucket size); 0 = twice the rate',
  ),
  addressRps: setting(
    'KVERSE_RATE_LIMIT_ADDRESS_RPS',
    rate(0),
    'Requests per second each client address may make, whatever its token; 0 = no per-address limit',
  ),
  addressBurst: setting(
    'KVERSE_RATE_LIMIT_ADDRESS_BURST',
    rate(0),
    'Bucket size of the per-address limit; 0 = twice KVERSE_RATE_LIMIT_ADDRESS_RPS',
  ),
  maxBuckets: setting(
    'KVERSE_RATE_LIMIT_MAX_BUCKETS',
    Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
    'Rate-limit buckets kept in memory per kind; the least recently used is dropped first',
  ),
  audit: setting(
    'KVERSE_AUDIT_LOG',
    Type.Optional(Type.Boolean()),
    'Write one JSON audit line to stdout for every write (token id, keys, version, outcome); default: on when auth is',
  ),
});

export type AccessConfig = ConfigOf<typeof accessConfigSpec>;
