/**
 * Where the suite runs (docs/e2e.md): `local` — the local control plane for objects, the apps as local processes on
 * the local services for the data plane (what CI runs); `kind` — one kind cluster for both.
 */
export type ProviderName = 'local' | 'kind';

export const PROVIDER_VARIABLE = 'KVERSE_E2E_PROVIDER';

/** The provider chosen by `KVERSE_E2E_PROVIDER` (default `local`); anything else is an error, not a fallback. */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): ProviderName {
  const value = env[PROVIDER_VARIABLE] ?? 'local';
  if (value === 'local' || value === 'kind') return value;
  throw new Error(`${PROVIDER_VARIABLE}=${value}: expected local or kind`);
}

/** A short id for names of this run (namespaces, releases), unique among concurrent runs on one cluster. */
export function runId(): string {
  return `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
}
