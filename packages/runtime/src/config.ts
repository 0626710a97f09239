import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Configuration comes from environment variables, parsed once at start-up into a typed, validated object that is
 * passed down; nothing deeper reads `process.env`. Every problem — an invalid value, a missing required variable,
 * an unknown `KVERSE_*` variable (a typo would otherwise be silently ignored) — is reported together, each
 * naming its variable, as one {@link ConfigError}.
 */

export interface Setting<S extends TSchema = TSchema> {
  /** The environment variable. */
  readonly env: string;
  /** Type, bounds and `default` of the value (TypeBox); strings from the environment are converted to it. */
  readonly schema: S;
  /** One line for the configuration table in the docs. */
  readonly doc: string;
  /** Never echo the value in errors or logs. */
  readonly secret?: boolean;
}

export type ConfigSpec = Readonly<Record<string, Setting>>;

export type ConfigOf<Spec extends ConfigSpec> = {
  readonly [K in keyof Spec]: Static<Spec[K]['schema']>;
};

export function setting<S extends TSchema>(env: string, schema: S, doc: string, secret = false): Setting<S> {
  return { env, schema, doc, secret };
}

/** Identity with inference: `const spec = defineConfig({ port: setting('PORT', Type.Integer(), '…') })`. */
export function defineConfig<Spec extends ConfigSpec>(spec: Spec): Spec {
  return spec;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses every setting of `spec` from `env`. Throws {@link ConfigError} listing every problem found. */
export function parseConfig<Spec extends ConfigSpec>(spec: Spec, env: Env): ConfigOf<Spec> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      if ('default' in s.schema) {
        out[name] = structuredClone(s.schema.default);
      } else if (isOptional(s.schema)) {
        out[name] = undefined;
      } else {
        problems.push(`${s.env} is required: ${s.doc}`);
      }
      continue;
    }
    const value = Value.Convert(s.schema, coerce(s.schema, raw));
    if (!Value.Check(s.schema, value)) {
      const why = Value.Errors(s.schema, value)
        .map((e) => e.message)
        .join('; ');
      const shown = s.secret ? '(value hidden)' : JSON.stringify(raw);
      problems.push(`${s.env}=${shown} is invalid: ${why} (${s.doc})`);
      continue;
    }
    out[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<Spec>;
}

/**
 * Reports `KVERSE_*` variables that no spec of this process knows — most likely misspelt.
 * Call once in the entry point with every spec the process parses.
 */
export function assertNoUnknownVariables(env: Env, specs: readonly ConfigSpec[], prefix = 'KVERSE_'): void {
  const known = new Set(specs.flatMap((spec) => Object.values(spec).map((s) => s.env)));
  const unknown = Object.keys(env).filter((k) => k.startsWith(prefix) && !known.has(k) && !IGNORED.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.sort().map((k) => `${k} is not a KVerse setting (misspelt?)`));
  }
}

// Variables the project's scripts set for themselves.
const IGNORED = new Set([
  'KVERSE_ROOT',
  'KVERSE_CACHE_DIR',
  'KVERSE_CLUSTER_DIR',
  'KVERSE_FORCE_INSTALL',
  'KVERSE_TEST_PROJECTS',
  'KVERSE_E2E_PROVIDER',
  'KVERSE_E2E_NAMESPACE',
]);

/** Rows for the configuration table in the docs: variable, default, meaning. */
export function describeConfig(spec: ConfigSpec): Array<{ env: string; default: string; doc: string }> {
  return Object.values(spec).map((s) => ({
    env: s.env,
    default: 'default' in s.schema ? JSON.stringify(s.schema.default) : isOptional(s.schema) ? '(unset)' : '(required)',
    doc: s.doc,
  }));
}

// Lists and objects are given as JSON or (lists) comma-separated.
function coerce(schema: TSchema, raw: string): unknown {
  const type = (schema as { type?: unknown }).type;
  if (type === 'array') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[')) return tryJson(trimmed);
    return trimmed
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  }
  if (type === 'object') return tryJson(raw);
  if (type === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  }
  return raw.trim();
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isOptional(schema: TSchema): boolean {
  return (schema as { '~optional'?: boolean })['~optional'] === true;
}

/** `LOG_LEVEL`, the same setting in every app. */
export const logLevelSetting = setting(
  'LOG_LEVEL',
  Type.Union(
    ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l)),
    {
      default: 'info',
    },
  ),
  'Log level (pino): trace, debug, info, warn, error, fatal or silent',
);

/** Common setting types. */
export const T = {
  port: (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback }),
  url: () => Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9+.-]*://' })),
};

/**
 * Runs a process entry point. A {@link ConfigError} prints its problems and exits with status 2 (a usage error, not
 * a crash); any other error propagates and ends the process as unhandled.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
