import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  allows,
  bearerToken,
  createToken,
  hashToken,
  parseTokenEntries,
  TokenFormatError,
  TokenStore,
} from '../src/tokens.js';

describe('tokens', () => {
  it('creates a random token whose entry line holds only its SHA-256', () => {
    const a = createToken('ci', 'write');
    const b = createToken('ci', 'write');
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^kvt_[A-Za-z0-9_-]{43}$/);
    expect(a.entry).toBe(`ci:write:${createHash('sha256').update(a.token).digest('hex')}`);
    expect(a.entry).not.toContain(a.token);
    expect(() => createToken('bad id', 'read')).toThrow(TokenFormatError);
  });

  it('parses comma- and newline-separated entries, skipping blanks and comments', () => {
    const h = hashToken('x');
    const entries = parseTokenEntries(`# the CI tokens\nci:write:${h}\n\n reader:read:${h.toUpperCase()} ,`, 'file');
    expect(entries.map((e) => [e.id, e.scope, e.hash.toString('hex')])).toEqual([
      ['ci', 'write', h],
      ['reader', 'read', h],
    ]);
  });

  it.each([
    ['ci:write', 'is not id:scope:sha256hex'],
    [`ci:admin:${hashToken('x')}`, 'scope must be read or write'],
    ['ci:read:abc', 'must be 64 hex digits'],
    [`c i:read:${hashToken('x')}`, 'id must be'],
    [`ci:read:${hashToken('x')}:extra`, 'is not id:scope:sha256hex'],
  ])('refuses %s', (text, why) => {
    expect(() => parseTokenEntries(text, 'KVERSE_AUTH_TOKENS')).toThrow(why);
  });

  it('never echoes a hash in a parse error', () => {
    const hash = 'f'.repeat(63);
    expect(() => parseTokenEntries(`ci:read:${hash}`, 'env')).toThrow(/^((?!f{63}).)*$/s);
  });

  it('finds a token by its hash, and nothing for another token', () => {
    const { token, entry } = createToken('ci', 'read');
    const store = new TokenStore(parseTokenEntries(entry, 'env'));
    expect(store.find(token)?.id).toBe('ci');
    expect(store.find(`${token}x`)).toBeUndefined();
    expect(store.find('')).toBeUndefined();
  });

  it('remembers accepted tokens only, at most one per entry', () => {
    const { token, entry } = createToken('ci', 'write');
    const store = new TokenStore(parseTokenEntries(entry, 'env'));
    for (let i = 0; i < 3; i++) expect(store.find(token)?.id).toBe('ci');
    for (let i = 0; i < 100; i++) expect(store.find(`kvt_guess${i}`)).toBeUndefined();
    expect((store as unknown as { found: Map<string, unknown> }).found.size).toBe(1);
  });

  it('refuses a token id given twice', () => {
    const entries = parseTokenEntries(`a:read:${hashToken('1')},a:write:${hashToken('2')}`, 'env');
    expect(() => new TokenStore(entries)).toThrow('token id a is given twice');
  });

  it('write implies read; read allows only reads', () => {
    expect(allows('write', 'write')).toBe(true);
    expect(allows('write', 'read')).toBe(true);
    expect(allows('read', 'read')).toBe(true);
    expect(allows('read', 'write')).toBe(false);
    expect(allows('read', 'public')).toBe(true);
  });

  it('reads the bearer credential of an Authorization header', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic dXNlcjpwdw==')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
  });
});
