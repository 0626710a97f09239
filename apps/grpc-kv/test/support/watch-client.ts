import { connect, constants } from 'node:http2';
import type { ClientReadableStream, Metadata, ServiceError } from '@grpc/grpc-js';
import type { WatchResponse__Output } from '../../src/generated/kvstore/WatchResponse.js';

/** Collects a Watch stream's events; `ready` resolves with the response headers once the server registered it. */
export interface Collected<T> {
  readonly events: T[];
  readonly ready: Promise<Metadata>;
  /** Resolves with the error status the stream ended with (or null when it ended cleanly). */
  readonly ended: Promise<ServiceError | null>;
  /** Resolves once `n` events arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
}

export function collect<T = WatchResponse__Output>(stream: ClientReadableStream<T>): Collected<T> {
  const events: T[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const ready = new Promise<Metadata>((resolve) => stream.on('metadata', resolve));
  const ended = new Promise<ServiceError | null>((resolve) => {
    stream.on('error', (err: ServiceError) => resolve(err));
    stream.on('end', () => resolve(null));
  });
  stream.on('data', (event: T) => {
    events.push(event);
    for (const w of waiters.filter((x) => events.length >= x.n)) w.resolve();
  });
  return {
    events,
    ready,
    ended,
    waitFor(n, timeoutMs = 10_000) {
      if (events.length >= n) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`got ${events.length} of ${n} events`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(events);
          },
        });
      });
    },
  };
}

/**
 * A Watch call over raw HTTP/2 whose client never reads the response body: the server sees a stalled watcher whose
 * flow-control window fills up. `drain()` then reads everything and returns the frames and trailers.
 */
export function stalledWatch(address: string, key: string) {
  const session = connect(`http://${address}`);
  const keyBytes = Buffer.from(key, 'utf8');
  const message = Buffer.concat([Buffer.from([0x0a, keyBytes.length]), keyBytes]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: '/kvstore.KvStore/Watch',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.end(frame);
  const ready = new Promise<void>((resolve) => stream.once('response', () => resolve()));
  const trailers = new Promise<Record<string, unknown>>((resolve) => stream.once('trailers', (t) => resolve(t)));
  return {
    ready,
    async drain(): Promise<{ bytes: number; trailers: Record<string, unknown> }> {
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const t = await trailers;
      session.close();
      return { bytes, trailers: t };
    },
    close() {
      session.destroy();
    },
  };
}
