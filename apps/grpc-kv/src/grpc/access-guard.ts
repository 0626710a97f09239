import type { Metadata } from '@grpc/grpc-js';
import type { AccessControl, AccessDecision, Scope } from '@kverse/access';

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

  /**
   * For a long-lived call (a Watch): calls `revoked` when the tokens are replaced and the call's token is no longer
   * accepted for `need`; returns the function that stops watching. Nothing to watch with auth off.
   */
  watchRevocation(call: GuardedCall, need: Scope, revoked: () => void): () => void {
    if (!this.access.enabled) return () => undefined;
    const authorization = authorizationOf(call);
    return this.access.onTokensReplaced(() => {
      if (!this.access.stillAccepts(authorization, need)) revoked();
    });
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
