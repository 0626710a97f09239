import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { KvError } from '@kverse/kv-core';

/**
 * Static bearer-token check: a call must carry `authorization: Bearer <token>`. Both sides are hashed before a
 * constant-time compare, so neither the token's content nor its length leaks through timing.
 */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Throws KV_ERR_UNAUTHENTICATED unless `metadata` carries the token. */
  check(metadata: Metadata): void {
    const header = metadata.get('authorization')[0];
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!match || !timingSafeEqual(digest(match[1]!), this.expected)) {
      throw new KvError('KV_ERR_UNAUTHENTICATED', 'missing or invalid bearer token (metadata `authorization`)');
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
