import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Static bearer tokens. The server keeps only the SHA-256 of each token (an entry `id:scope:sha256hex`), so the
 * Secret that configures it never holds a usable credential. A token is 32 random bytes, so an unsalted fast hash is
 * enough: there is nothing to guess from a dictionary.
 */

/** `read` allows reads and watches; `write` allows everything `read` does, plus puts and deletes. */
export type Scope = 'read' | 'write';

/** What a request needs: `public` routes need nothing. */
export type Access = Scope | 'public';

export interface TokenEntry {
  /** Names the token in audit lines and logs (never the token itself). */
  readonly id: string;
  readonly scope: Scope;
  /** SHA-256 of the token, 32 bytes. */
  readonly hash: Buffer;
}

/** The principal of an unauthenticated request (auth disabled). */
export const ANONYMOUS = 'anonymous';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/** Prefix of tokens this project creates, so a leaked one is easy to recognise in a scan. */
const TOKEN_PREFIX = 'kvt_';

export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

/** SHA-256 of a token, as the hex string an entry carries. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A new random token and the entry line that accepts it. */
export function createToken(id: string, scope: Scope): { token: string; entry: string } {
  if (!ID.test(id)) throw new TokenFormatError(`token id ${JSON.stringify(id)} must be 1–64 of A-Z a-z 0-9 . _ -`);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, entry: `${id}:${scope}:${hashToken(token)}` };
}

/**
 * Parses entries separated by commas or newlines. Blank lines and lines starting with `#` are skipped (a Secret file
 * may carry comments). Throws {@link TokenFormatError} naming `source` and the bad entry's position, never its hash.
 */
export function parseTokenEntries(text: string, source: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const parts = text
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith('#'));
  for (const [i, part] of parts.entries()) {
    const [id, scope, hash, ...rest] = part.split(':');
    const where = `${source} entry ${i + 1}`;
    if (rest.length > 0 || hash === undefined) throw new TokenFormatError(`${where} is not id:scope:sha256hex`);
    if (!ID.test(id ?? '')) throw new TokenFormatError(`${where}: id must be 1–64 of A-Z a-z 0-9 . _ -`);
    if (scope !== 'read' && scope !== 'write') {
      throw new TokenFormatError(`${where} (${id}): scope must be read or write`);
    }
    if (!HEX_SHA256.test(hash)) {
      throw new TokenFormatError(`${where} (${id}): the hash must be 64 hex digits (the SHA-256 of the token)`);
    }
    entries.push({ id: id as string, scope, hash: Buffer.from(hash, 'hex') });
  }
  return entries;
}

/** The accepted tokens; looks a presented token up by its hash. */
export class TokenStore {
  private readonly entries: readonly TokenEntry[];
  /**
   * Tokens already found, so a client's every request does not pay a SHA-256 (the largest part of the check). Only
   * accepted tokens enter it, so it holds at most one token per entry and guessing cannot grow it; a hit skips the
   * hash, which tells a caller only that the token is accepted — what the answer says anyway. Tokens are kept in
   * memory only, never at rest.
   */
  private readonly found = new Map<string, TokenEntry>();

  constructor(entries: readonly TokenEntry[]) {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.id)) throw new TokenFormatError(`token id ${e.id} is given twice`);
      seen.add(e.id);
    }
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The entry whose hash matches `token`, or undefined. Every entry is compared in constant time and the loop never
   * stops early, so timing tells neither how close a guess was nor which entry matched.
   */
  find(token: string): TokenEntry | undefined {
    const known = this.found.get(token);
    if (known) return known;
    // The one-shot hash costs half of createHash().
    const presented = hash('sha256', token, 'buffer');
    let match: TokenEntry | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(presented, e.hash) && match === undefined) match = e;
    }
    if (match && this.found.size < this.entries.length) this.found.set(token, match);
    return match;
  }
}

/** Whether a token of scope `has` may make a request that needs `need`. */
export function allows(has: Scope, need: Access): boolean {
  return need === 'public' || need === 'read' || has === 'write';
}

/**
 * The token of an `Authorization: Bearer <token>` header: a string, `undefined` when there is no header, or `null`
 * when there is one but it is not a bearer credential.
 */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}
