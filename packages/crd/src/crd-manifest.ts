import { type TSchema, Type } from 'typebox';
import { API_VERSION, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './kvstore.js';
import { KVStoreSpecSchema } from './kvstore-spec.js';
import { KVStoreStatusSchema } from './kvstore-status.js';
import { type JsonSchema, toStructuralSchema } from './openapi.js';

/** The whole KVStore object's schema; `metadata` is the API server's. */
export const KVStoreSchema: TSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: `Always ${API_VERSION}.` })),
    kind: Type.Optional(Type.String({ description: `Always ${KIND}.` })),
    metadata: Type.Optional(Type.Object({})),
    spec: KVStoreSpecSchema,
    status: Type.Optional(KVStoreStatusSchema),
  },
  {
    description:
      'A KVerse platform: REST, gRPC and chat front doors, write-queue consumers and multicast nodes over Redis, ' +
      'RabbitMQ and CockroachDB, reconciled by the KVerse operator.',
  },
);

/** The CustomResourceDefinition of kverse.dev/v1alpha1 KVStore, as a plain object ready for YAML. */
export function kvstoreCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'kverse', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: ['kverse'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'API endpoint', type: 'string', jsonPath: '.status.endpoints.api' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: openApiSchema() },
        },
      ],
    },
  };
}

export function openApiSchema(): JsonSchema {
  const schema = toStructuralSchema(KVStoreSchema);
  // metadata must stay a bare object: the API server owns its schema.
  (schema.properties as Record<string, JsonSchema>).metadata = { type: 'object' };
  return schema;
}
