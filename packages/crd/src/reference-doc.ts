import { openApiSchema } from './crd-manifest.js';
import { API_VERSION, KIND } from './kvstore.js';
import type { JsonSchema } from './openapi.js';

/** docs/kvstore-api.md: every field of the KVStore spec and status, from the same schema as the CRD. */
export function kvstoreReferenceDoc(): string {
  const root = openApiSchema();
  const properties = root.properties as Record<string, JsonSchema>;
  const lines = [
    `# ${KIND} API reference (\`${API_VERSION}\`)`,
    '',
    '<!-- Generated from packages/crd/src by `npm run generate -w @kverse/crd`; do not edit. -->',
    '',
    String(root.description),
    '',
    'Every spec field has a default, so `spec: {}` deploys a complete platform. The Helm chart `charts/kverse` takes',
    'the same fields as its values. Rules marked *CEL* are checked by the API server at admission.',
    '',
    '## spec',
    '',
    ...table(properties.spec as JsonSchema, 'spec'),
    '',
    '## status',
    '',
    'Written by the operator through the status subresource.',
    '',
    ...table(properties.status as JsonSchema, 'status'),
    '',
  ];
  return lines.join('\n');
}

function table(schema: JsonSchema, prefix: string): string[] {
  const rows = ['| field | type | default | validation | description |', '| --- | --- | --- | --- | --- |'];
  walk(schema, prefix, rows);
  return rows;
}

function walk(schema: JsonSchema, path: string, rows: string[]): void {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) {
    const childPath = `${path}.${name}`;
    rows.push(
      `| \`${childPath}\` | ${typeOf(child)} | ${defaultOf(child)} | ${validationOf(child, schema, name)} | ${cell(
        String(child.description ?? ''),
      )} |`,
    );
    if (child.properties) walk(child, childPath, rows);
    const items = child.items as JsonSchema | undefined;
    if (items?.properties) walk(items, `${childPath}[]`, rows);
  }
}

function typeOf(s: JsonSchema): string {
  if (s['x-kubernetes-int-or-string']) return 'quantity';
  if (s.type === 'array') return `${typeOf((s.items as JsonSchema) ?? {})}[]`;
  if (s.type === 'object' && s.additionalProperties)
    return `map[string]${typeOf(s.additionalProperties as JsonSchema)}`;
  return String(s.type ?? 'any');
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined || s.properties) return '';
  if (typeof s.default === 'object' && Object.keys(s.default as object).length === 0) return '';
  return `\`${JSON.stringify(s.default)}\``;
}

function validationOf(s: JsonSchema, parent: JsonSchema, name: string): string {
  const parts: string[] = [];
  if (Array.isArray(parent.required) && parent.required.includes(name)) parts.push('required');
  if (s.enum) parts.push(`one of ${(s.enum as unknown[]).map((v) => `\`${v}\``).join(', ')}`);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`length ≤ ${s.maxLength}`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  if (s.pattern) parts.push(`pattern \`${s.pattern}\``);
  for (const rule of (s['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? []) {
    parts.push(`*CEL* \`${rule.rule}\` (${rule.message})`);
  }
  return cell(parts.join('; '));
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
