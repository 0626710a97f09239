import { type Static, Type } from 'typebox';

/**
 * The `status` of a KVStore, written only by the operator (through the status subresource). Conditions follow
 * metav1.Condition: `Ready`, `Progressing`, `Degraded`, and one `<Component>Ready` per component (e.g. `ApiReady`,
 * `CacheReady`).
 */

export const ConditionSchema = Type.Object({
  type: Type.String({
    minLength: 1,
    maxLength: 316,
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    description: 'Condition type: Ready, Progressing, Degraded or <Component>Ready.',
  }),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
    description: 'True, False or Unknown.',
  }),
  observedGeneration: Type.Optional(
    Type.Integer({ minimum: 0, format: 'int64', description: 'metadata.generation the condition was computed from.' }),
  ),
  lastTransitionTime: Type.String({ format: 'date-time', description: 'When the status last changed.' }),
  reason: Type.String({
    minLength: 1,
    maxLength: 1024,
    pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    description: 'CamelCase reason for the last transition.',
  }),
  message: Type.String({ maxLength: 32768, description: 'Human-readable details.' }),
});

export const KVStorePhases = ['Pending', 'Progressing', 'Ready', 'Degraded', 'Paused', 'Failed'] as const;

export const KVStoreStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: 'int64', description: 'metadata.generation the operator last acted on.' }),
    ),
    phase: Type.Optional(
      Type.Union(
        KVStorePhases.map((p) => Type.Literal(p)),
        { description: 'Summary of the conditions, for `kubectl get`.' },
      ),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        maxItems: 32,
        description: 'Ready, Progressing, Degraded and one per component.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    endpoints: Type.Optional(
      Type.Object(
        {
          api: Type.Optional(Type.String({ description: 'REST API URL inside the cluster.' })),
          grpcKv: Type.Optional(Type.String({ description: 'gRPC KV address (host:port).' })),
          chat: Type.Optional(Type.String({ description: 'gRPC chat address (host:port).' })),
          web: Type.Optional(Type.String({ description: 'Web UI URL.' })),
        },
        { description: 'Front doors inside the cluster.' },
      ),
    ),
    secrets: Type.Optional(
      Type.Object(
        {
          cache: Type.Optional(Type.String({ description: 'Secret with the Redis URL and password.' })),
          queue: Type.Optional(Type.String({ description: 'Secret with the RabbitMQ URL and credentials.' })),
          database: Type.Optional(Type.String({ description: 'Secret with the database URL.' })),
        },
        { description: 'Names of the Secrets holding connection URLs (generated or external).' },
      ),
    ),
  },
  { description: 'Observed state, written by the operator.' },
);

export type KVStoreCondition = Static<typeof ConditionSchema>;
export type KVStorePhase = (typeof KVStorePhases)[number];
export type KVStoreStatus = Static<typeof KVStoreStatusSchema>;
