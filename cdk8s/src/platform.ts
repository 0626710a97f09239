import { type KVStoreSpec, type KVStoreSpecInput, parseKVStoreSpec } from '@kverse/crd';
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { AccessTokens } from './auth.js';
import { CockroachDatabase } from './cockroachdb.js';
import type { PlatformContext } from './context.js';
import { ApiApp, ChatApp, ConsumerApp, GrpcKvApp } from './kverse-app.js';
import { MulticastNodes } from './multicast-node.js';
import { Observability } from './observability.js';
import { RabbitMqQueue } from './rabbitmq.js';
import { RedisCache } from './redis.js';

export interface KVersePlatformProps {
  /** Name of the KVStore (or Helm release); prefixes every object name. @default 'kverse' */
  readonly name?: string;
  /** Namespace of every object; omitted, the objects take the namespace they are applied to. @default none */
  readonly namespace?: string;
  /** The KVStore spec; missing fields take the schema's defaults. @default {} */
  readonly spec?: KVStoreSpecInput | KVStoreSpec;
}

/**
 * The whole KVerse platform from one KVStore spec: the apps, the backing services (or references to external
 * ones), their Secrets, policies and observability objects. `npm run synth`, the Helm chart and the operator all
 * build their objects with this chart, so they cannot drift apart.
 */
export class KVersePlatform extends Chart {
  /** The spec with defaults applied. */
  readonly spec: KVStoreSpec;

  constructor(scope: Construct, id: string, props: KVersePlatformProps = {}) {
    super(scope, id, { ...(props.namespace ? { namespace: props.namespace } : {}), disableResourceNameHashes: true });
    this.spec = parseKVStoreSpec(props.spec);
    const ctx: PlatformContext = { instance: props.name ?? 'kverse', spec: this.spec };
    new RedisCache(this, 'cache', { ctx });
    new RabbitMqQueue(this, 'queue', { ctx });
    new CockroachDatabase(this, 'database', { ctx });
    new AccessTokens(this, 'auth', { ctx });
    new ApiApp(this, 'api', { ctx });
    new ConsumerApp(this, 'consumer', { ctx });
    new GrpcKvApp(this, 'grpc-kv', { ctx });
    new ChatApp(this, 'chat', { ctx });
    new MulticastNodes(this, 'multicast-node', { ctx });
    new Observability(this, 'observability', { ctx });
  }
}
