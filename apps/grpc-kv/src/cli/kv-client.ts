import { readFileSync } from 'node:fs';
import {
  type CallOptions,
  type ChannelCredentials,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import type { DeleteResponse__Output } from '../generated/kvstore/DeleteResponse.js';
import type { GetAllResponse__Output } from '../generated/kvstore/GetAllResponse.js';
import type { GetManyResponse__Output } from '../generated/kvstore/GetManyResponse.js';
import type { GetResponse__Output } from '../generated/kvstore/GetResponse.js';
import type { KvStoreClient } from '../generated/kvstore/KvStore.js';
import type { PutRequest } from '../generated/kvstore/PutRequest.js';
import type { PutResponse__Output } from '../generated/kvstore/PutResponse.js';
import type { TxnRequest } from '../generated/kvstore/TxnRequest.js';
import type { TxnResponse__Output } from '../generated/kvstore/TxnResponse.js';
import type { WatchRequest } from '../generated/kvstore/WatchRequest.js';
import type { WatchResponse__Output } from '../generated/kvstore/WatchResponse.js';
import { loadKvProto } from '../grpc/kv-proto.js';

/** How a CLI reaches a gRPC KV server. */
export interface ConnectOptions {
  /** `host:port`. @default localhost:50051 */
  readonly address: string;
  /** Bearer token sent as `authorization` metadata. */
  readonly token?: string;
  /** Use TLS; with `caFile`, trust that CA instead of the system roots. */
  readonly tls?: boolean;
  readonly caFile?: string;
  /** Deadline of each unary call. @default 10000 */
  readonly timeoutMs?: number;
}

/** A promise-based client of `kvstore.KvStore` for the command-line tools. */
export class KvClient {
  private readonly client: KvStoreClient;
  private readonly metadata = new Metadata();
  private readonly timeoutMs: number;

  constructor(options: ConnectOptions) {
    const proto = loadKvProto();
    this.client = new proto.kvstore.KvStore(options.address, channelCredentials(options));
    if (options.token) this.metadata.set('authorization', `Bearer ${options.token}`);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `extra`: a condition (`ifVersion` or `ifAbsent`) and a TTL (`ttlSeconds`), as in PutRequest. */
  put(
    key: string,
    value: string,
    waitApplied = false,
    extra: Pick<PutRequest, 'ifVersion' | 'ifAbsent' | 'ttlSeconds'> = {},
  ): Promise<PutResponse__Output> {
    return this.unary((cb, opts) => this.client.Put({ key, value, waitApplied, ...extra }, this.metadata, opts, cb));
  }

  getMany(keys: readonly string[]): Promise<GetManyResponse__Output> {
    return this.unary((cb, opts) => this.client.GetMany({ keys: [...keys] }, this.metadata, opts, cb));
  }

  txn(request: TxnRequest): Promise<TxnResponse__Output> {
    return this.unary((cb, opts) => this.client.Txn(request, this.metadata, opts, cb));
  }

  get(key: string): Promise<GetResponse__Output> {
    return this.unary((cb, opts) => this.client.Get({ key }, this.metadata, opts, cb));
  }

  /** With `ifVersion`, deletes only the key at that version. */
  delete(key: string, ifVersion?: string): Promise<DeleteResponse__Output> {
    const request = ifVersion === undefined ? { key } : { key, ifVersion };
    return this.unary((cb, opts) => this.client.Delete(request, this.metadata, opts, cb));
  }

  list(prefix = '', limit = 0, cursor = ''): Promise<GetAllResponse__Output> {
    return this.unary((cb, opts) => this.client.GetAll({ prefix, limit, cursor }, this.metadata, opts, cb));
  }

  /** Opens a Watch stream (no deadline: it lasts until cancelled). */
  watch(request: WatchRequest): ClientReadableStream<WatchResponse__Output> {
    return this.client.Watch(request, this.metadata);
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(
    invoke: (cb: (err: ServiceError | null, value?: T) => void, options: CallOptions) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) =>
      invoke((err, value) => (err ? reject(err) : resolve(value as T)), { deadline: Date.now() + this.timeoutMs }),
    );
  }
}

function channelCredentials(options: ConnectOptions): ChannelCredentials {
  if (!options.tls && !options.caFile) return credentials.createInsecure();
  return credentials.createSsl(options.caFile ? readFileSync(options.caFile) : null);
}
