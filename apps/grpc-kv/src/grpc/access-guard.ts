import type { Metadata } from '@grpc/grpc-js';
import type { AccessControl, AccessDecision, Scope } from '@kverse/access';
import type { KvError } from '@kverse/kv-core';

/** What the guard reads from a call. */
export interface GuardedCall {
  readonly metadata: Metadata;
  getPeer(): string;
}

/**
 * Access control for `kvstore.KvStore` calls: the `authorization: Bearer <token>` metadata, its scope and the rate
 * limits, decided by the same {@link AccessControl} as the REST API. Health and reflection are separate services and
 * never pass through here, so they stay open.
 */
export class AccessGuard {
  constructor(private readonly access: AccessControl) {}

  /** Whether any check runs (auth, a limit or the audit log). */
  get active(): boolean {
    return this.access.active;
  }

  get audit() {
    return this.access.audit;
  }

  decide(call: GuardedCall, need: Scope): AccessDecision {
    return this.access.decide({ need, authorization: authorizationOf(call), address: peerAddress(call.getPeer()) });
  }

  /** For a Watch: calls `revoked` when its token is revoked (see {@link AccessControl.watchRevocation}). */
  watchRevocation(call: GuardedCall, need: Scope, revoked: (reason: KvError) => void): () => void {
    return this.access.watchRevocation(authorizationOf(call), need, revoked);
  }
}

function authorizationOf(call: GuardedCall): string | undefined {
  const header = call.metadata.get('authorization')[0];
  return typeof header === 'string' ? header : undefined;
}

/** The host of a grpc-js peer string (`127.0.0.1:5000`, `[::1]:5000`, `ipv4:…`), without its port. */
export function peerAddress(peer: string): string {
  const match = /^(?:ipv[46]:)?\[?([^[\]]*?)\]?:\d+$/.exec(peer);
  return match?.[1] ?? peer;
}
