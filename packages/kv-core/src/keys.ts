import './well-formed.js';
/**
 * Key order is the order of the keys' UTF-8 bytes (as in etcd and CockroachDB, and PostgreSQL with
 * `COLLATE "C"`). JavaScript's `<` compares UTF-16 code units, which disagrees for characters above
 * U+FFFF versus U+E000..U+FFFF; comparing code points gives exactly the UTF-8 byte order.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800..DFFF) encode code points above FFFF, so they sort after E000..FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    if (xs) return y >= 0xe000 ? 1 : x - y;
    return x >= 0xe000 ? -1 : x - y;
  }
  return a.length - b.length;
}

/** Opaque list cursor: the last key returned, base64url-encoded so it survives query strings unchanged. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

/** Returns the key a cursor stands for, or undefined when the cursor is not one this package made. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  return key.length > 0 && key.isWellFormed() && encodeCursor(key) === cursor ? key : undefined;
}
