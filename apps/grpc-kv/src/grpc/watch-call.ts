import { Metadata, type ServerWritableStream } from '@grpc/grpc-js';
import type { DataPlane, WatchFilter, WatchSubscription } from '@kverse/data-plane';
import { KvError, type Mutation } from '@kverse/kv-core';
import type { WatchRequest__Output } from '../generated/kvstore/WatchRequest.js';
import type { WatchResponse } from '../generated/kvstore/WatchResponse.js';
import { START_VERSION_HEADER, toGrpcStatus } from './grpc-status.js';
import type { KvMetrics } from './kv-metrics.js';
import { isRejected, type RejectedRequest } from './request-guard.js';

export type WatchCall = ServerWritableStream<WatchRequest__Output | RejectedRequest, Buffer>;

/** Encodes a change once, however many watchers it goes to. */
export type ChangeEncoder = (change: Mutation) => Buffer;

/** One open Watch stream; `end` stops it with a status (shutdown). */
export interface OpenWatch {
  end(err: KvError): void;
}

/**
 * Serves one `Watch` call: registers a data-plane watch whose sink is the call. The call's flow control is the
 * watcher's backpressure: a `write()` that returns false marks the watcher congested until the stream drains, and a
 * watcher that falls too far behind is ended with RESOURCE_EXHAUSTED and the version to resume from. Response headers
 * go out once the watch is registered, so a client that saw them misses nothing applied afterwards; they carry the
 * version the watch starts at, to resume from if the stream breaks before any change. A cancelled or disconnected
 * call frees its watcher at once.
 */
export function serveWatch(
  call: WatchCall,
  dataPlane: DataPlane,
  encode: ChangeEncoder,
  metrics: KvMetrics,
  open: Set<OpenWatch>,
  /** Calls its argument when the call's token is revoked; returns the function that stops watching for that. */
  watchRevocation: (revoked: (reason: KvError) => void) => () => void = () => () => undefined,
): void {
  let subscription: WatchSubscription | undefined;
  let finished = false;
  const handle: OpenWatch = { end: (err) => finish(err) };
  const finish = (err?: KvError, reason = reasonOf(err)) => {
    if (finished) return;
    finished = true;
    stopWatchingRevocation();
    open.delete(handle);
    metrics.watchers.dec();
    metrics.watchEnded.inc({ reason });
    metrics.requests.inc({ method: 'Watch', code: err?.grpcStatus ?? 'OK' });
    subscription?.close();
    if (reason === 'cancelled') return;
    if (err) call.emit('error', toGrpcStatus(err));
    else call.end();
  };
  const stopWatchingRevocation = watchRevocation((reason) => finish(reason));
  open.add(handle);
  metrics.watchers.inc();
  call.on('cancelled', () => finish(undefined, 'cancelled'));
  call.on('close', () => finish(undefined, 'cancelled'));
  call.on('drain', () => subscription?.resume());

  const request = call.request;
  try {
    if (isRejected(request)) throw new KvError('KV_ERR_INVALID_ARGUMENT', request.rejected);
    const filter: WatchFilter = request.prefix ? { prefix: request.key } : { key: request.key };
    const fromVersion = request.fromVersion === undefined ? undefined : BigInt(request.fromVersion);
    subscription = dataPlane.watch(
      filter,
      {
        start: (position) => {
          const headers = new Metadata();
          headers.set(START_VERSION_HEADER, position.toString());
          call.sendMetadata(headers);
        },
        write: (change) => {
          metrics.watchEvents.inc();
          return call.write(encode(change));
        },
        end: (err) => finish(err),
      },
      fromVersion === undefined ? {} : { fromVersion },
    );
    if (finished) subscription.close();
  } catch (err) {
    finish(err instanceof KvError ? err : new KvError('KV_ERR_INTERNAL', 'internal error', { cause: err }));
  }
}

function reasonOf(err: KvError | undefined): string {
  switch (err?.code) {
    case undefined:
      return 'closed';
    case 'KV_ERR_SLOW_CONSUMER':
      return 'slow_consumer';
    case 'KV_ERR_COMPACTED':
      return 'compacted';
    case 'KV_ERR_SHUTTING_DOWN':
      return 'shutting_down';
    case 'KV_ERR_UNAUTHENTICATED':
      return 'revoked';
    default:
      return 'error';
  }
}

/** The wire form of a change: typed fields plus the seed's human-readable `message` line. */
export function toWatchResponse(change: Mutation): WatchResponse {
  const version = change.version.toString();
  if (change.op === 'put') {
    return {
      message: `PUT ${change.key} = ${change.value} (version ${version})`,
      type: 'EVENT_TYPE_PUT',
      key: change.key,
      value: change.value,
      version,
      timestampMs: change.timestamp,
    };
  }
  return {
    message: `DELETE ${change.key} (version ${version})`,
    type: 'EVENT_TYPE_DELETE',
    key: change.key,
    version,
    timestampMs: change.timestamp,
  };
}
