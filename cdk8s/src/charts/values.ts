import { type JsonSchema, type KVStoreSpec, type KVStoreSpecInput, openApiSchema, parseKVStoreSpec } from '@kverse/crd';
import { stringify } from 'yaml';

/**
 * Which KVStore spec fields the kverse chart exposes as values (same names, same shape, same defaults and
 * descriptions): `true` takes a field with everything under it. Fields not listed (pod overrides, pull secrets,
 * storage classes, paused) are the operator's; the chart renders their defaults.
 */
export type ValueTree = { readonly [key: string]: true | ValueTree };

const APP: ValueTree = { enabled: true, replicas: true, autoscaling: true, resources: true };
const SERVICE: ValueTree = {
  mode: true,
  managed: { replicas: true, storage: true, version: true, resources: true },
  external: true,
};

export const PLATFORM_VALUES: ValueTree = {
  version: true,
  image: { registry: true, repository: true },
  apps: {
    api: APP,
    consumer: APP,
    grpcKv: APP,
    chat: APP,
    multicastNode: { enabled: true, replicas: true, ordering: true, resources: true },
  },
  cache: SERVICE,
  queue: SERVICE,
  database: SERVICE,
  monitoring: {
    serviceMonitors: { enabled: true, interval: true },
    dashboards: { enabled: true },
    tracing: { otlpEndpoint: true, sampleRatio: true },
  },
  auth: true,
};

export type Values = Record<string, unknown>;

/** The chart's default values: the spec's defaults, with an empty `external` block to fill in. */
export function defaultPlatformValues(): Values {
  const values = pick(parseKVStoreSpec({}), PLATFORM_VALUES) as Record<string, Record<string, unknown>>;
  for (const s of ['cache', 'queue', 'database']) values[s]!.external = { secretName: '', key: 'url' };
  return values;
}

/** The KVStore spec a set of chart values stands for (what `helm template` must render the same as). */
export function valuesToSpec(values: Values): KVStoreSpec {
  const spec = structuredClone(values) as Record<string, Record<string, unknown>>;
  for (const s of ['cache', 'queue', 'database']) {
    const external = spec[s]?.external as { secretName?: string } | undefined;
    if (!external?.secretName) delete spec[s]!.external;
  }
  return parseKVStoreSpec(spec as KVStoreSpecInput);
}

function pick(value: unknown, tree: ValueTree): unknown {
  const source = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(tree)
      .filter(([k]) => source[k] !== undefined)
      .map(([k, t]) => [k, t === true ? source[k] : pick(source[k], t)]),
  );
}

/** values.schema.json: the spec's JSON schema cut down to the exposed fields. */
export function platformValuesSchema(): JsonSchema {
  const spec = (openApiSchema().properties as Record<string, JsonSchema>).spec!;
  const schema = pickSchema(spec, PLATFORM_VALUES);
  // `external.secretName` may stay empty while `mode` is managed; kverse.validateValues checks it otherwise.
  for (const s of ['cache', 'queue', 'database']) {
    const props = (schema.properties as Record<string, JsonSchema>)[s]!.properties as Record<string, JsonSchema>;
    props.external = {
      type: 'object',
      description: props.external!.description,
      properties: {
        secretName: { type: 'string', description: 'Secret holding the connection URL (mode external).' },
        key: { type: 'string', minLength: 1, description: 'Key of the URL in that Secret.' },
      },
      additionalProperties: false,
    };
  }
  // Helm gives every chart a `global` value when it is used as a subchart.
  (schema.properties as Record<string, JsonSchema>).global = { type: 'object', description: 'Helm global values.' };
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
}

function pickSchema(node: JsonSchema, tree: ValueTree | true): JsonSchema {
  if (tree === true) return clean(node);
  const properties = node.properties as Record<string, JsonSchema>;
  return {
    type: 'object',
    description: node.description,
    properties: Object.fromEntries(Object.entries(tree).map(([k, t]) => [k, pickSchema(properties[k]!, t)])),
    additionalProperties: false,
  };
}

/** JSON Schema without the Kubernetes extensions and defaults (values.yaml holds the defaults). */
export function clean(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-') || k === 'default') continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, JsonSchema>).map(([name, child]) => [name, clean(child)]),
      );
      if (!('additionalProperties' in node)) out.additionalProperties = false;
    } else if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object') {
      out[k] = clean(v as JsonSchema);
    } else if (k === 'anyOf') {
      out.anyOf = (v as JsonSchema[]).map(clean);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** values.yaml with every value documented by its schema description. */
export function valuesYaml(values: Values, schema: JsonSchema, header: string): string {
  const lines = header.split('\n').map((l) => (l ? `# ${l}` : '#'));
  const walk = (v: Record<string, unknown>, s: JsonSchema, indent: string) => {
    const props = (s.properties as Record<string, JsonSchema>) ?? {};
    for (const [key, child] of Object.entries(v)) {
      const cs = props[key] ?? {};
      lines.push('');
      for (const d of String(cs.description ?? '').split('\n')) lines.push(`${indent}# ${d}`);
      if (cs.properties && child && typeof child === 'object' && !Array.isArray(child)) {
        lines.push(`${indent}${key}:`);
        walk(child as Record<string, unknown>, cs, `${indent}  `);
      } else {
        const rendered = stringify({ [key]: child }, { lineWidth: 0 }).trimEnd();
        lines.push(...rendered.split('\n').map((l) => indent + l));
      }
    }
  };
  walk(values, schema, '');
  return `${lines.join('\n')}\n`;
}
