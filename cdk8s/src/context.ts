import type { KVStoreSpec } from '@kverse/crd';
import { BACKING_COMPONENTS, type BackingServiceName } from './apps.js';

/** What every construct of one platform shares. */
export interface PlatformContext {
  /** Name of the KVStore (or Helm release): prefix of every object name and `app.kubernetes.io/instance`. */
  readonly instance: string;
  /** The KVStore spec, defaults applied (`parseKVStoreSpec`). */
  readonly spec: KVStoreSpec;
}

/** Props of every construct that is one component of a platform. */
export interface ComponentProps {
  /** The platform this component belongs to. */
  readonly ctx: PlatformContext;
}

/** Name of an object belonging to `component`. */
export function objectName(ctx: PlatformContext, component: string, suffix = ''): string {
  return `${ctx.instance}-${component}${suffix ? `-${suffix}` : ''}`;
}

/**
 * The Secret and key holding a backing service's connection URL: the generated one when managed, the user's when
 * external. Apps read it through `secretKeyRef`, so no URL or password ever appears in a manifest.
 */
export function connectionSecret(ctx: PlatformContext, service: BackingServiceName): { name: string; key: string } {
  const s = ctx.spec[service];
  if (s.mode === 'external' && s.external) return { name: s.external.secretName, key: s.external.key };
  return { name: objectName(ctx, BACKING_COMPONENTS[service]), key: 'url' };
}
