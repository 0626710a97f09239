import { Construct } from 'constructs';
import { type ComponentProps, objectName, type PlatformContext } from './context.js';
import { GeneratedSecret } from './credentials.js';
import type { Manifest } from './pod.js';

/** Component of the generated tokens Secret. */
export const AUTH_TOKENS_COMPONENT = 'auth-tokens';
/** Where front doors find the accepted tokens (`KVERSE_AUTH_TOKENS_FILE`). */
export const AUTH_TOKENS_DIR = '/etc/kverse/auth';
/** Key of the generated Secret holding the plain `admin` token, for the operator of the platform to read once. */
export const ADMIN_TOKEN_KEY = 'admin-token';

/**
 * The Secret and key listing the accepted tokens: the user's `spec.auth.tokensSecretRef`, or the generated
 * `<name>-auth-tokens` (key `tokens`).
 */
export function authTokensSecret(ctx: PlatformContext): { name: string; key: string } {
  const ref = ctx.spec.auth.tokensSecretRef;
  return ref ? { name: ref.name, key: ref.key } : { name: objectName(ctx, AUTH_TOKENS_COMPONENT), key: 'tokens' };
}

/**
 * What a KV front door's pod needs for `spec.auth`: the settings, and the tokens file mounted from the Secret. Only
 * the entries key is mounted, so the pods never see the plain `admin-token`. Rendered whether auth is on or off, so
 * turning it on is a change of one variable.
 */
export function authPodParts(ctx: PlatformContext): { env: Manifest[]; volume: Manifest; mount: Manifest } {
  const secret = authTokensSecret(ctx);
  return {
    env: [
      { name: 'KVERSE_AUTH_ENABLED', value: String(ctx.spec.auth.enabled) },
      { name: 'KVERSE_AUTH_TOKENS_FILE', value: `${AUTH_TOKENS_DIR}/tokens` },
    ],
    volume: {
      name: 'auth-tokens',
      secret: { secretName: secret.name, items: [{ key: secret.key, path: 'tokens' }], defaultMode: 0o440 },
    },
    mount: { name: 'auth-tokens', mountPath: AUTH_TOKENS_DIR, readOnly: true },
  };
}

/**
 * The tokens Secret, generated in the cluster when `spec.auth.tokensSecretRef` is unset: one write token `admin`
 * (plain in key `admin-token`, its entry in key `tokens`). Nothing when the user brings their own Secret.
 */
export class AccessTokens extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    if (props.ctx.spec.auth.tokensSecretRef) return;
    new GeneratedSecret(this, 'tokens', {
      ctx: props.ctx,
      component: AUTH_TOKENS_COMPONENT,
      template: { tokens: 'admin:write:{sha256:admin}', [ADMIN_TOKEN_KEY]: '{admin}' },
    });
  }
}
