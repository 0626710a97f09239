import type { TSchema } from 'typebox';

/** A JSON schema node as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * Turns a TypeBox schema into a Kubernetes structural schema (openAPIV3Schema):
 * - unions of literals become `enum` (`const` is not part of Kubernetes' OpenAPI subset);
 * - `$id` and `additionalProperties: false` go (the API server prunes unknown fields instead);
 * - fields with a default leave `required`, since defaulting fills them before validation;
 * - an object's `default: {}` is spelled out with its fields' defaults: the API server validates a default
 *   (CEL rules included) as written, without defaulting inside it.
 * Everything else (`x-kubernetes-*`, bounds, descriptions, CEL rules) passes through unchanged.
 */
export function toStructuralSchema(schema: TSchema): JsonSchema {
  return convert(JSON.parse(JSON.stringify(schema)) as JsonSchema);
}

function convert(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const literals = literalUnion(node);
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === '$id' || (keyword === 'additionalProperties' && value === false)) continue;
    if (literals && keyword === 'anyOf') {
      out.type = typeof literals[0] === 'number' ? 'integer' : typeof literals[0];
      out.enum = literals;
      continue;
    }
    if (keyword === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, convert(child)]),
      );
    } else if (keyword === 'items' || (keyword === 'additionalProperties' && typeof value === 'object')) {
      out[keyword] = convert(value as JsonSchema);
    } else if (keyword === 'anyOf') {
      out.anyOf = (value as JsonSchema[]).map(convert);
    } else {
      out[keyword] = value;
    }
  }
  if (Array.isArray(out.required) && out.properties) {
    const properties = out.properties as Record<string, JsonSchema>;
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  if (isObject(out.default) && out.properties) out.default = fullDefault(out);
  return out;
}

function fullDefault(node: JsonSchema): unknown {
  if (!isObject(node.default) || !node.properties) return node.default;
  const value: Record<string, unknown> = { ...node.default };
  for (const [name, child] of Object.entries(node.properties as Record<string, JsonSchema>)) {
    if (name in value) continue;
    const d = fullDefault(child);
    if (d !== undefined) value[name] = d;
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function literalUnion(node: JsonSchema): unknown[] | undefined {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  if (!branches.every((b) => typeof b === 'object' && b !== null && 'const' in b)) return undefined;
  return branches.map((b) => (b as JsonSchema).const);
}
