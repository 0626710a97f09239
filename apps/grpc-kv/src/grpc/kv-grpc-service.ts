import type {
  Metadata,
  Server,
  ServerUnaryCall,
  ServiceDefinition,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { PackageDefinition, ProtobufTypeDefinition } from '@grpc/proto-loader';
import { ANONYMOUS, type Scope } from '@kverse/access';
import type { DataPlane } from '@kverse/data-plane';
import { KvError, type KvRecord, type Mutation } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { DeleteRequest__Output } from '../generated/kvstore/DeleteRequest.js';
import type { DeleteResponse } from '../generated/kvstore/DeleteResponse.js';
import type { GetAllRequest__Output } from '../generated/kvstore/GetAllRequest.js';
import type { GetAllResponse } from '../generated/kvstore/GetAllResponse.js';
import type { GetManyRequest__Output } from '../generated/kvstore/GetManyRequest.js';
import type { GetManyResponse } from '../generated/kvstore/GetManyResponse.js';
import type { GetRequest__Output } from '../generated/kvstore/GetRequest.js';
import type { GetResponse } from '../generated/kvstore/GetResponse.js';
import type { KeyValue } from '../generated/kvstore/KeyValue.js';
import type { KvStoreDefinition } from '../generated/kvstore/KvStore.js';
import type { PutRequest__Output } from '../generated/kvstore/PutRequest.js';
import type { PutResponse } from '../generated/kvstore/PutResponse.js';
import type { TxnRequest__Output } from '../generated/kvstore/TxnRequest.js';
import type { TxnResponse } from '../generated/kvstore/TxnResponse.js';
import { type AccessGuard, peerAddress } from './access-guard.js';
import { toGrpcStatus } from './grpc-status.js';
import { traceUnary } from './grpc-tracing.js';
import type { KvMetrics } from './kv-metrics.js';
import { deleteCondition, explainFailedCondition, putCondition, toTxnRequest, ttlOf } from './kv-write-request.js';
import { isRejected, type RejectedRequest, strictDeserializer } from './request-guard.js';
import { type OpenWatch, serveWatch, toWatchResponse, type WatchCall } from './watch-call.js';

export interface KvGrpcServiceOptions {
  readonly dataPlane: DataPlane;
  readonly definition: KvStoreDefinition;
  /** The package's message types, so nested request messages (Txn) get the strict UTF-8 check too. */
  readonly messageTypes: PackageDefinition;
  readonly metrics: KvMetrics;
  readonly logger: Logger;
  /** Bound on a `wait_applied` write, and on the wait for the outcome of a conditional write or a Txn. */
  readonly waitAppliedMs: number;
  /** Tokens, scopes, rate limits and the audit log; none = every call is let through unaudited. */
  readonly guard?: AccessGuard;
  /**
   * Record a SERVER span per unary call. Off (no SDK started), a call does not even enter the OpenTelemetry API: its
   * no-op span and context still cost an allocation-heavy few microseconds on every call.
   */
  readonly tracing: boolean;
}

/**
 * Largest page GetAll returns for a positive `limit` (with the cursor of the rest), and the page size it reads in
 * when the client asks for every key (`limit` 0, the seed's GetAll).
 */
const GET_ALL_PAGE = 1000;

/**
 * `kvstore.KvStore` on a gRPC server: a thin translation between the wire messages and the {@link DataPlane}, which
 * owns every rule (validation, versions, watches). Two deviations from the generated definition, both deliberate:
 * requests are deserialized strictly (invalid UTF-8 is INVALID_ARGUMENT, not a silently altered key), and Watch
 * responses are encoded here once per change and handed to gRPC as bytes, so a change fanned out to N watchers is
 * encoded once.
 */
export class KvGrpcService {
  private readonly encoded = new WeakMap<Mutation, Buffer>();
  private readonly watches = new Set<OpenWatch>();

  constructor(private readonly options: KvGrpcServiceOptions) {}

  /** Open Watch streams. */
  get watchCount(): number {
    return this.watches.size;
  }

  /** Registers the service on `server`. */
  addToServer(server: Server): void {
    const def = this.options.definition;
    const types = this.options.messageTypes;
    const lookup = (typeName: string) =>
      types[typeName.startsWith('.') ? typeName.slice(1) : `kvstore.${typeName}`] as ProtobufTypeDefinition | undefined;
    const strict = (name: 'Put' | 'Get' | 'Delete' | 'GetAll' | 'Txn' | 'GetMany' | 'Watch') => ({
      ...def[name],
      requestDeserialize: strictDeserializer<object>(def[name].requestDeserialize, def[name].requestType, lookup),
    });
    const service: ServiceDefinition = {
      Put: strict('Put'),
      Get: strict('Get'),
      Delete: strict('Delete'),
      GetAll: strict('GetAll'),
      Txn: strict('Txn'),
      GetMany: strict('GetMany'),
      Watch: { ...strict('Watch'), responseSerialize: (bytes: Buffer) => bytes },
    };
    const implementation: UntypedServiceImplementation = {
      Put: this.unary('Put', 'write', (req: PutRequest__Output, call) => this.put(req, call)),
      Get: this.unary('Get', 'read', (req: GetRequest__Output) => this.get(req)),
      Delete: this.unary('Delete', 'write', (req: DeleteRequest__Output, call) => this.delete(req, call)),
      GetAll: this.unary('GetAll', 'read', (req: GetAllRequest__Output) => this.getAll(req)),
      Txn: this.unary('Txn', 'write', (req: TxnRequest__Output, call) => this.txn(req, call)),
      GetMany: this.unary('GetMany', 'read', (req: GetManyRequest__Output) => this.getMany(req)),
      Watch: (call: WatchCall) => this.watch(call),
    };
    server.addService(service, implementation);
  }

  /** Ends every open Watch stream with `reason` (shutdown). */
  endWatches(reason: KvError): void {
    for (const watch of [...this.watches]) watch.end(reason);
  }

  // A conditional write always waits for its outcome: without the wait, the distributed data plane could only say
  // that the write was queued, and a caller of a compare-and-set needs to know whether it won.
  private async put(req: PutRequest__Output, call: Deadlined): Promise<PutResponse> {
    const { dataPlane } = this.options;
    const condition = putCondition(req);
    const options = {
      ...this.writeOptions(req.waitApplied || condition !== undefined, call),
      ...(condition ? { condition } : {}),
      ...ttlOf(req.ttlSeconds),
    };
    const result = await dataPlane
      .put(req.key, req.value, options)
      .catch((err: unknown) => explainFailedCondition(err, dataPlane, condition ? [{ key: req.key, condition }] : []));
    return {
      success: true,
      version: result.version.toString(),
      applied: result.applied,
      expiresAtMs: result.expiresAt ?? 0,
    };
  }

  private async get(req: GetRequest__Output): Promise<GetResponse> {
    const record = await this.options.dataPlane.mustGet(req.key);
    return toKeyValue(record);
  }

  private async delete(req: DeleteRequest__Output, call: Deadlined): Promise<DeleteResponse> {
    const { dataPlane } = this.options;
    const condition = deleteCondition(req);
    const options = {
      ...this.writeOptions(req.waitApplied || condition !== undefined, call),
      ...(condition ? { condition } : {}),
    };
    const result = await dataPlane
      .delete(req.key, options)
      .catch((err: unknown) => explainFailedCondition(err, dataPlane, condition ? [{ key: req.key, condition }] : []));
    return { success: true, version: result.version.toString(), applied: result.applied };
  }

  /** A transaction with compares waits for its outcome, like a conditional write. */
  private async txn(req: TxnRequest__Output, call: Deadlined): Promise<TxnResponse> {
    const { dataPlane } = this.options;
    const request = toTxnRequest(req);
    const compares = request.compares ?? [];
    const result = await dataPlane
      .transact(request, this.writeOptions(req.waitApplied || compares.length > 0, call))
      .catch((err: unknown) => explainFailedCondition(err, dataPlane, compares));
    return { succeeded: true, version: result.version.toString(), applied: result.applied };
  }

  private async getMany(req: GetManyRequest__Output): Promise<GetManyResponse> {
    const records = await this.options.dataPlane.getMany(req.keys);
    return {
      entries: req.keys.map((key, i) => {
        const record = records[i];
        return record
          ? {
              key,
              found: true,
              value: record.value,
              version: record.version.toString(),
              expiresAtMs: record.expiresAt ?? 0,
            }
          : { key, found: false };
      }),
    };
  }

  private async getAll(req: GetAllRequest__Output): Promise<GetAllResponse> {
    const prefix = req.prefix;
    let cursor = req.cursor === '' ? undefined : req.cursor;
    const pairs: KeyValue[] = [];
    // limit 0 (the seed's GetAll) drains every page; a positive limit returns one page and its cursor.
    do {
      const page = await this.options.dataPlane.list({
        prefix,
        // A page is at most GET_ALL_PAGE, whatever the client asks: a larger one would be read and held whole.
        limit: req.limit > 0 ? Math.min(req.limit, GET_ALL_PAGE) : GET_ALL_PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const record of page.records) pairs.push(toKeyValue(record));
      cursor = page.cursor;
    } while (req.limit === 0 && cursor !== undefined);
    return { pairs, nextCursor: cursor ?? '' };
  }

  private watch(call: WatchCall): void {
    const refusal = this.options.guard?.decide(call, 'read').refusal;
    if (refusal) {
      this.options.metrics.requests.inc({ method: 'Watch', code: refusal.grpcStatus });
      call.emit('error', toGrpcStatus(refusal));
      return;
    }
    const guard = this.options.guard;
    serveWatch(
      call,
      this.options.dataPlane,
      (change) => this.encode(change),
      this.options.metrics,
      this.watches,
      guard && ((revoked) => guard.watchRevocation(call, 'read', revoked)),
    );
  }

  private encode(change: Mutation): Buffer {
    let bytes = this.encoded.get(change);
    if (!bytes) {
      bytes = this.options.definition.Watch.responseSerialize(toWatchResponse(change));
      this.encoded.set(change, bytes);
    }
    return bytes;
  }

  /**
   * How long a write waits for its outcome: the configured bound, or less when the caller's deadline comes first, so
   * the caller hears "accepted as version N, not applied yet" (with the version to look for later) rather than a bare
   * DEADLINE_EXCEEDED from its own timer.
   */
  private writeOptions(waitApplied: boolean, call: Deadlined): { waitAppliedMs?: number } {
    if (!waitApplied) return {};
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    const left = Number.isFinite(at) ? at - Date.now() - DEADLINE_MARGIN_MS : Number.POSITIVE_INFINITY;
    return { waitAppliedMs: Math.max(0, Math.min(this.options.waitAppliedMs, left)) };
  }

  /**
   * A unary handler: access (token, scope, limits), rejected-request check, latency and status metrics, error
   * mapping, and an audit line for every write.
   */
  private unary<Req extends object, Res>(
    method: string,
    need: Scope,
    handle: (request: Req, call: Deadlined) => Promise<Res>,
  ) {
    const { metrics, guard, logger, tracing: traced } = this.options;
    const audit = need === 'write' ? guard?.audit : undefined;
    // Bound once per method: a labelled observation otherwise hashes its labels on every call.
    const latency = metrics.latency.labels(method);
    const succeeded = metrics.requests.labels(method, 'OK');
    return (call: ServerUnaryCall<Req | RejectedRequest, Res>, callback: sendUnaryData<Res>): void => {
      const stop = latency.startTimer();
      const decision = guard?.decide(call, need);
      const run = async (): Promise<Res> => {
        if (decision?.refusal) throw decision.refusal;
        const request = call.request;
        if (isRejected(request)) throw new KvError('KV_ERR_INVALID_ARGUMENT', request.rejected);
        return handle(request, call);
      };
      (traced ? traceUnary(method, call.metadata as Metadata, run) : run()).then(
        (response) => {
          stop();
          succeeded.inc();
          if (audit) {
            const { version, applied } = response as { version: string; applied: boolean };
            audit.record({
              ...auditBase(method, call),
              tokenId: decision?.principal ?? ANONYMOUS,
              version,
              outcome: applied ? 'applied' : 'accepted',
            });
          }
          callback(null, response);
        },
        (err: unknown) => {
          stop();
          const status = toGrpcStatus(err);
          if (!(err instanceof KvError)) logger.error({ err, method }, 'KvStore call failed');
          metrics.requests.inc({ method, code: err instanceof KvError ? err.grpcStatus : 'INTERNAL' });
          if (audit) {
            audit.record({
              ...auditBase(method, call),
              tokenId: decision?.principal ?? ANONYMOUS,
              outcome: err === decision?.refusal ? 'refused' : 'failed',
              code: err instanceof KvError ? err.code : 'KV_ERR_INTERNAL',
            });
          }
          callback(status);
        },
      );
    };
  }
}

/** The part of a call a write's wait bound reads. */
type Deadlined = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline'>;
/** A write whose outcome is not known this long before the caller's deadline is answered as not applied yet. */
const DEADLINE_MARGIN_MS = 25;

// What an audit line says of a write call: the operation, its key (unless the request was unreadable) and the peer.
function auditBase(method: string, call: ServerUnaryCall<object, unknown>) {
  const request = call.request as { key?: unknown; ops?: TxnRequest__Output['ops'] };
  if (method === 'Txn') {
    const keys = (request.ops ?? []).map((o) => (o.put ?? o.delete)?.key).filter((k) => typeof k === 'string');
    return { op: 'txn' as const, keys, via: 'grpc' as const, address: peerAddress(call.getPeer()) };
  }
  return {
    op: method === 'Delete' ? ('delete' as const) : ('put' as const),
    keys: typeof request.key === 'string' ? [request.key] : [],
    via: 'grpc' as const,
    address: peerAddress(call.getPeer()),
  };
}

function toKeyValue(record: KvRecord): KeyValue {
  return {
    key: record.key,
    value: record.value,
    version: record.version.toString(),
    expiresAtMs: record.expiresAt ?? 0,
  };
}
