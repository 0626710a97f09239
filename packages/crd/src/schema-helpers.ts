import { type TUnsafe, Type } from 'typebox';

/**
 * Schema pieces that Kubernetes' structural schemas need and TypeBox has no builder for. Each is still a plain JSON
 * schema, so TypeBox validates values against it in-process exactly as the API server does (CEL rules aside).
 */

/** A resource quantity (`100m`, `1Gi`, `2`): Kubernetes' int-or-string. */
export function Quantity(options: { description?: string; default?: string } = {}): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    'x-kubernetes-int-or-string': true,
    // Kubernetes accepts int-or-string only as exactly these two branches; the pattern sits beside them.
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    ...options,
  });
}

/** Kubernetes' quantity grammar (decimal or binary SI suffix, or an exponent). */
export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$';

/** A map of string to `value` (labels, annotations, node selectors). */
export function StringMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: 64,
    default: {},
    description,
  });
}

/** A map of resource name to quantity (`requests`, `limits`). */
export function QuantityMap(description: string, defaults: Record<string, string>): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: Quantity(),
    maxProperties: 8,
    description,
    default: defaults,
  });
}

/**
 * A Kubernetes core type this API passes through unchanged (tolerations, affinity): the API server already validates
 * it where it lands in a Pod, so the CRD keeps its fields instead of pruning them.
 */
export function PassThroughObject<T>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, default: {}, description });
}

export function PassThroughList<T>(description: string): TUnsafe<T[]> {
  return Type.Unsafe<T[]>({
    type: 'array',
    items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    default: [],
    description,
  });
}

/** One CEL rule of `x-kubernetes-validations`, checked by the API server at admission. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath of the field the message is about, relative to the object holding the rule. */
  readonly fieldPath?: string;
}
