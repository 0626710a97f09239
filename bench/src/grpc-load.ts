/**
 * A closed-loop gRPC load generator shared by the gRPC benchmarks: `connections` separate HTTP/2 connections, each
 * keeping `inFlight` unary calls outstanding; requests are pre-encoded and responses left undecoded, so the
 * generator costs the same for every server it drives. Latency goes into a high-resolution histogram.
 */
import { readFileSync } from 'node:fs';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Client, credentials, type Metadata, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const identity = (b: Buffer) => b;

/** The project's `kvstore` messages, for pre-encoding requests. */
export const kvProto = protobuf.loadSync(new URL('../../proto/kvstore/v1/kvstore.proto', import.meta.url).pathname);

/** `body` encoded as the message `type` of `root`: a request ready to send with {@link closedLoop}. */
export function encodeMessage(root: protobuf.Root, type: string, body: object): Buffer {
  return Buffer.from(root.lookupType(type).encode(body).finish());
}

/** Opens `n` clients that do not share a connection (each has its own subchannel pool). */
export function openClients(address: string, n: number): Client[] {
  return Array.from(
    { length: n },
    () => new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
  );
}

export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU the generator (this process) used, in % of one core. */
  readonly generatorCpu: number;
  /** CPU the server process used, in % of one core (when its pid is known). */
  readonly serverCpu: number;
}

/** Runs `method` with requests from `request(i)` for `seconds`, closed loop, after a warm-up of `warmupSeconds`. */
export async function closedLoop(options: {
  readonly clients: readonly Client[];
  readonly method: string;
  readonly inFlight: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly request: (i: number) => Buffer;
  readonly serverPid?: number;
  /** Sent with every call (e.g. `authorization`); built once by the caller. */
  readonly metadata?: Metadata;
}): Promise<LoadResult> {
  let measuring = false;
  let stop = false;
  let ops = 0;
  let errors = 0;
  let next = 0;
  const histogram: RecordableHistogram = createHistogram();
  const lane = (client: Client) =>
    new Promise<void>((resolve) => {
      const issue = () => {
        if (stop) return resolve();
        const started = process.hrtime.bigint();
        const counted = measuring;
        const done = (err: ServiceError | null) => {
          if (counted && measuring) {
            if (err) errors++;
            else {
              ops++;
              histogram.record(Number(process.hrtime.bigint() - started) || 1);
            }
          }
          issue();
        };
        const request = options.request(next++);
        if (options.metadata)
          client.makeUnaryRequest(options.method, identity, identity, request, options.metadata, done);
        else client.makeUnaryRequest(options.method, identity, identity, request, done);
      };
      issue();
    });
  const lanes = options.clients.flatMap((c) => Array.from({ length: options.inFlight }, () => lane(c)));
  await sleep(options.warmupSeconds * 1000);
  const cpu0 = process.cpuUsage();
  const server0 = processCpuSeconds(options.serverPid);
  const t0 = performance.now();
  measuring = true;
  await sleep(options.seconds * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = processCpuSeconds(options.serverPid);
  stop = true;
  await Promise.all(lanes);
  return {
    ops,
    errors,
    seconds,
    opsPerSecond: ops / seconds,
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    generatorCpu: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    serverCpu: ((server1 - server0) / seconds) * 100,
  };
}

/** user+system CPU seconds of a process (Linux /proc), 0 when unknown. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends every request once (e.g. to prefill the key space), `concurrency` at a time per client; throws on an error. */
export async function sendAll(
  clients: readonly Client[],
  method: string,
  requests: readonly Buffer[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const lane = (client: Client) =>
    new Promise<void>((resolve, reject) => {
      const issue = () => {
        const request = requests[next++];
        if (request === undefined) return resolve();
        client.makeUnaryRequest(method, identity, identity, request, (err: ServiceError | null) =>
          err ? reject(err) : issue(),
        );
      };
      issue();
    });
  await Promise.all(clients.flatMap((c) => Array.from({ length: concurrency }, () => lane(c))));
}

/**
 * The Put and Get phases of the gRPC benchmarks: every key written once first (so each Get finds its key, whatever
 * the Put rate), then a closed-loop Put of the keys in turn, then a closed-loop Get spread over the key space.
 */
export async function putThenGet(options: {
  readonly clients: readonly Client[];
  readonly inFlight: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly serverPid: number | undefined;
  readonly put: { readonly method: string; readonly requests: readonly Buffer[] };
  readonly get: { readonly method: string; readonly requests: readonly Buffer[] };
}): Promise<{ put: LoadResult; get: LoadResult }> {
  const { clients, inFlight, seconds, warmupSeconds, serverPid, put, get } = options;
  await sendAll(clients, put.method, put.requests);
  const common = { clients, inFlight, seconds, warmupSeconds, ...(serverPid === undefined ? {} : { serverPid }) };
  const n = put.requests.length;
  const m = get.requests.length;
  return {
    put: await closedLoop({ ...common, method: put.method, request: (i) => put.requests[i % n]! }),
    get: await closedLoop({ ...common, method: get.method, request: (i) => get.requests[(i * 7919) % m]! }),
  };
}
