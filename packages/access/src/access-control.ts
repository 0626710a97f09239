import { readFileSync, type Stats, unwatchFile, watchFile } from 'node:fs';
import { KvError } from '@kverse/kv-core';
import { ConfigError, type Logger } from '@kverse/runtime';
import ipaddr from 'ipaddr.js';
import { type AuditLog, createAuditLog } from './audit-log.js';
import type { AccessConfig } from './config.js';
import { KeyedRateLimiter } from './rate-limiter.js';
import {
  type Access,
  ANONYMOUS,
  allows,
  bearerToken,
  parseTokenEntries,
  type Scope,
  type TokenEntry,
  TokenFormatError,
  TokenStore,
} from './tokens.js';

export interface AccessRequest {
  /** What the call needs; `public` calls are never checked nor limited. */
  readonly need: Access;
  /** The `authorization` header or metadata, as sent. */
  readonly authorization: string | undefined;
  /** Client address, for the per-address limit. */
  readonly address: string;
}

export interface AccessControlOptions {
  readonly enabled: boolean;
  readonly tokens: readonly TokenEntry[];
  readonly perToken?: KeyedRateLimiter;
  readonly perAddress?: KeyedRateLimiter;
  /** Where write audit lines go; none = no audit lines. */
  readonly audit?: AuditLog;
  /** Monotonic milliseconds. @default performance.now */
  readonly now?: () => number;
}

const OFF = new KeyedRateLimiter(0, 0, 1);

/**
 * Decides whether a call may proceed, the same way for every front door: the per-address limit first (so floods of
 * guesses are limited too), then the bearer token and its scope, then the token's own limit. A refusal is a
 * {@link KvError}: `KV_ERR_UNAUTHENTICATED` (401 / UNAUTHENTICATED), `KV_ERR_PERMISSION_DENIED`
 * (403 / PERMISSION_DENIED) or `KV_ERR_RATE_LIMITED` (429 / RESOURCE_EXHAUSTED, with the seconds to wait).
 */
export class AccessControl {
  readonly enabled: boolean;
  readonly audit: AuditLog | undefined;
  private tokens: TokenStore;
  private readonly perToken: KeyedRateLimiter;
  private readonly perAddress: KeyedRateLimiter;
  private readonly now: () => number;

  constructor(options: AccessControlOptions) {
    this.enabled = options.enabled;
    this.tokens = this.storeOf(options.tokens);
    this.perToken = options.perToken ?? OFF;
    this.perAddress = options.perAddress ?? OFF;
    this.audit = options.audit;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Replaces the accepted tokens (a rotated tokens file): calls from now on are checked against `entries` only, and
   * tokens remembered as accepted are forgotten. Throws, changing nothing, if the entries repeat an id or leave auth
   * on without any token.
   */
  replaceTokens(entries: readonly TokenEntry[]): void {
    this.tokens = this.storeOf(entries);
    for (const listener of [...this.replaced]) listener();
  }

  private readonly replaced = new Set<() => void>();

  /**
   * For a long-lived call (a watch) let through with `authorization` for `need`: calls `revoked` with the reason when
   * the tokens are replaced and its token is no longer accepted for that; returns the function that stops watching.
   * Nothing to watch with auth off.
   */
  watchRevocation(authorization: string | undefined, need: Scope, revoked: (reason: KvError) => void): () => void {
    if (!this.enabled) return () => undefined;
    const listener = () => {
      const token = bearerToken(authorization);
      const entry = typeof token === 'string' ? this.tokens.find(token) : undefined;
      if (entry !== undefined && allows(entry.scope, need)) return;
      revoked(new KvError('KV_ERR_UNAUTHENTICATED', 'the token this watch was opened with is no longer accepted'));
    };
    this.replaced.add(listener);
    return () => this.replaced.delete(listener);
  }

  get tokenCount(): number {
    return this.tokens.size;
  }

  private storeOf(entries: readonly TokenEntry[]): TokenStore {
    const store = new TokenStore(entries);
    if (this.enabled && store.size === 0) {
      throw new ConfigError([
        'KVERSE_AUTH_ENABLED is on but no token is configured: set KVERSE_AUTH_TOKENS or KVERSE_AUTH_TOKENS_FILE ' +
          '(create one with `kverse token create --id NAME --scope write`)',
      ]);
    }
    return store;
  }

  /** Lets everything through: no tokens, no limits, no audit. */
  static open(): AccessControl {
    return new AccessControl({ enabled: false, tokens: [] });
  }

  /** Whether any check runs at all (front doors skip their hook when none does). */
  get active(): boolean {
    return this.enabled || this.perAddress.enabled || this.audit !== undefined;
  }

  /** Returns the principal — the token id, or `anonymous` when auth is off — or throws the refusal. */
  check(request: AccessRequest): string {
    const decision = this.decide(request);
    if (decision.refusal) throw decision.refusal;
    return decision.principal;
  }

  /**
   * The principal and, when the call may not proceed, why. The principal of a refused call is its token's id once
   * the token is known (a read token trying to write), so audit lines can name it.
   */
  decide(request: AccessRequest): AccessDecision {
    if (request.need === 'public') return { principal: ANONYMOUS };
    const now = this.now();
    const addressWait = this.perAddress.enabled ? this.perAddress.take(clientOf(request.address), now) : 0;
    if (addressWait > 0)
      return { principal: ANONYMOUS, refusal: limited(addressWait, `client address ${request.address}`) };
    if (!this.enabled) return { principal: ANONYMOUS };

    const token = bearerToken(request.authorization);
    if (token === undefined) {
      return {
        principal: ANONYMOUS,
        refusal: new KvError('KV_ERR_UNAUTHENTICATED', 'a bearer token is required (Authorization: Bearer <token>)'),
      };
    }
    const entry = token === null ? undefined : this.tokens.find(token);
    if (!entry) {
      return {
        principal: ANONYMOUS,
        refusal: new KvError('KV_ERR_UNAUTHENTICATED', 'the bearer token is malformed or not accepted'),
      };
    }
    if (!allows(entry.scope, request.need)) {
      const why = `token ${entry.id} has scope ${entry.scope}; this request needs ${request.need}`;
      return { principal: entry.id, refusal: new KvError('KV_ERR_PERMISSION_DENIED', why) };
    }
    const tokenWait = this.perToken.take(entry.id, now);
    if (tokenWait > 0) return { principal: entry.id, refusal: limited(tokenWait, `token ${entry.id}`) };
    return { principal: entry.id };
  }
}

export interface AccessDecision {
  /** The token id, or `anonymous` (auth off, or no accepted token). */
  readonly principal: string;
  /** Set when the call may not proceed. */
  readonly refusal?: KvError;
}

function limited(retryAfterSeconds: number, who: string): KvError {
  return new KvError('KV_ERR_RATE_LIMITED', `rate limit of ${who} reached; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
  });
}

/**
 * Access control as configured: tokens from KVERSE_AUTH_TOKENS and the KVERSE_AUTH_TOKENS_FILE file, limits, audit.
 * Throws a {@link ConfigError} (the process refuses to start) when a token entry is invalid, the file cannot be read,
 * or auth is on without any token.
 */
export function openAccessControl(config: AccessConfig, audit: () => AuditLog = createAuditLog): AccessControl {
  try {
    return new AccessControl({
      enabled: config.enabled,
      tokens: readTokenEntries(config),
      perToken: new KeyedRateLimiter(config.tokenRps, config.tokenBurst, config.maxBuckets),
      perAddress: new KeyedRateLimiter(config.addressRps, config.addressBurst, config.maxBuckets),
      ...((config.audit ?? config.enabled) ? { audit: audit() } : {}),
    });
  } catch (err) {
    if (err instanceof TokenFormatError) throw new ConfigError([err.message]);
    throw err;
  }
}

/**
 * Re-reads KVERSE_AUTH_TOKENS_FILE whenever it changes (its metadata is polled every `intervalMs`; a Kubernetes
 * Secret volume swaps the file atomically, which changes its inode) and puts the new set in force together with the
 * KVERSE_AUTH_TOKENS entries: rotating or revoking a token needs no restart. A file that cannot be used (unreadable,
 * an invalid entry, auth on with no token left) is logged as an error and the tokens in force stay. Returns the
 * function that stops watching; without a tokens file there is nothing to watch.
 */
export function watchTokensFile(
  access: AccessControl,
  config: AccessConfig,
  logger: Logger,
  intervalMs = 2000,
): () => void {
  const path = config.tokensFile;
  if (!path) return () => undefined;
  const onChange = (current: Stats, previous: Stats) => {
    const same = current.ino === previous.ino && current.mtimeMs === previous.mtimeMs && current.size === previous.size;
    if (same) return;
    try {
      access.replaceTokens(readTokenEntries(config));
      logger.info({ file: path, tokens: access.tokenCount }, 'tokens file changed; the new tokens are in force');
    } catch (err) {
      const message = err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message;
      logger.error({ file: path, err: message }, 'tokens file changed but cannot be used; the previous tokens stay');
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, onChange);
  return () => unwatchFile(path, onChange);
}

/** The entries of KVERSE_AUTH_TOKENS and of the KVERSE_AUTH_TOKENS_FILE file; throws a {@link TokenFormatError}. */
function readTokenEntries(config: AccessConfig): TokenEntry[] {
  const entries: TokenEntry[] = [];
  if (config.tokens) entries.push(...parseTokenEntries(config.tokens, 'KVERSE_AUTH_TOKENS'));
  if (config.tokensFile) {
    let text: string;
    try {
      text = readFileSync(config.tokensFile, 'utf8');
    } catch (err) {
      throw new TokenFormatError(`KVERSE_AUTH_TOKENS_FILE ${config.tokensFile}: ${(err as Error).message}`);
    }
    entries.push(...parseTokenEntries(text, `KVERSE_AUTH_TOKENS_FILE ${config.tokensFile}`));
  }
  return entries;
}

/**
 * Whose bucket a client address fills: an IPv4 address, or the /64 an IPv6 address is in — one host commonly has a
 * whole /64 and could otherwise take a fresh bucket with every source address. An IPv4 address in IPv6 form
 * (`::ffff:a.b.c.d`, what a dual-stack listener reports) counts as the IPv4 address.
 */
export function clientOf(address: string): string {
  if (!address.includes(':')) return address;
  try {
    const ip = ipaddr.process(address);
    if (ip.kind() === 'ipv4') return ip.toString();
    const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
    return `${parts.join(':')}::/64`;
  } catch {
    return address;
  }
}
