import type { KvRecord } from './api.js';

/** One change from the watch stream (`put` or `delete` event of `GET /kv/watch`). */
export interface Change {
  readonly op: 'put' | 'delete';
  readonly key: string;
  readonly value?: string;
  readonly version: string;
  /** Milliseconds since the epoch when the write was issued. */
  readonly timestamp: number;
  /** A put with a TTL: when the key expires (milliseconds since the epoch). */
  readonly expiresAt?: number;
}

const encoder = new TextEncoder();

/** Orders keys the way the API lists them: by their UTF-8 bytes (differs from JS `<` above U+FFFF). */
export function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
}

export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Versions are decimal strings of 64-bit numbers; compare them exactly. */
export const newer = (a: string, b: string): boolean => BigInt(a) > BigInt(b);

/**
 * Applies a watched change to the loaded part of a listing. `complete` says the listing has no further pages: a new
 * key after the last loaded one is then shown; otherwise it belongs to a page not loaded yet. Older versions than the
 * one shown are ignored, so replays after a reconnect are harmless.
 */
export function applyChange(items: readonly KvRecord[], change: Change, prefix: string, complete: boolean): KvRecord[] {
  if (!change.key.startsWith(prefix)) return items as KvRecord[];
  const at = items.findIndex((r) => r.key === change.key);
  const current = at >= 0 ? items[at] : undefined;
  if (current && !newer(change.version, current.version)) return items as KvRecord[];
  if (change.op === 'delete') return current ? items.filter((_, i) => i !== at) : (items as KvRecord[]);
  const when = new Date(change.timestamp).toISOString();
  const record: KvRecord = {
    key: change.key,
    value: change.value ?? '',
    version: change.version,
    createdAt: current?.createdAt ?? when,
    updatedAt: when,
    ...(change.expiresAt === undefined ? {} : { expiresAt: new Date(change.expiresAt).toISOString() }),
  };
  if (current) return items.map((r, i) => (i === at ? record : r));
  const last = items.at(-1);
  if (!complete && last && compareUtf8(change.key, last.key) > 0) return items as KvRecord[];
  const next = [...items, record];
  next.sort((a, b) => compareUtf8(a.key, b.key));
  return next;
}

/** The value as shown: JSON objects and arrays pretty-printed (two spaces), anything else as it is. */
export function prettyValue(value: string): { text: string; json: boolean } {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      // Not JSON after all: shown verbatim.
    }
  }
  return { text: value, json: false };
}

/** A timestamp for people: local date and time to the second. */
export function formatTime(when: string | number): string {
  const date = new Date(when);
  return Number.isNaN(date.getTime()) ? String(when) : date.toLocaleString(undefined, { hour12: false });
}
