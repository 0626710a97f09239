/**
 * What tracing costs the REST API: `GET /kv?key=` of an existing key and `PUT /kv` (202) with autocannon against two
 * `kverse start` processes of the same build, one with tracing off (no OTLP endpoint: the default) and one exporting
 * every request's spans (`OTEL_TRACES_SAMPLER=always_on`, OTLP/HTTP protobuf, batched) to a local receiver in this
 * process that reads and acknowledges each export the way a collector does; a third server samples 10 % of traces
 * (`traceidratio`), the setting a busy deployment would use. The servers run on one core (taskset) when possible; the
 * runs alternate between them, their order rotated every round, and the table shows each median. Besides req/s, each
 * run reports the server's CPU time per request, which other load on a shared machine moves far less.
 * Goal: tracing on (every request sampled) ≥ 0.9× the throughput of tracing off, for GET and for PUT.
 *
 * Last, the OpenTelemetry SDK alone: a process of its own on the servers' core takes the tracing plugin's steps per
 * request with the SDK configured as the apps configure it, and reports its CPU per request — with the untraced
 * server's CPU per request, the best ratio any integration of this SDK could reach.
 *
 * `--plane embedded` (the default) runs `kverse start` on the embedded data plane, where a request is one span and
 * costs the least, so tracing's fixed cost shows most. `--plane distributed` runs apps/api on the services
 * (PostgreSQL, RabbitMQ, Redis from scripts/services/*.sh) as in the cluster: a GET reads through Redis, a PUT
 * publishes to RabbitMQ (its 202 waits for the broker's confirm) with the trace context in the message, and one
 * consumer, shared by the three APIs, applies the writes and continues the traces it is sent (its sampler follows the
 * message's parent: spans only for the traced APIs' writes).
 *
 *   npm run bench -- tracing-overhead [--plane embedded|distributed] [--duration 5] [--connections 50] [--rounds 2]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '@kverse/runtime';
import autocannon from 'autocannon';
import { processCpuSeconds } from './grpc-load.js';
import { median, printRatio, printTable } from './report.js';
import { exited, pinLoadGenerator, serve, serviceOptions, servicesOf, startApp, startKverse } from './serve.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    'value-bytes': { type: 'string', default: '256' },
    plane: { type: 'string', default: 'embedded' },
    // Internal: run the SDK-cost loop in this (child) process with this sampler, print µs per request, exit.
    'sdk-cost': { type: 'string' },
    'sdk-endpoint': { type: 'string' },
    ...serviceOptions,
  },
});
if (args.plane !== 'embedded' && args.plane !== 'distributed') {
  throw new Error(`--plane must be embedded or distributed, not ${args.plane}`);
}
const distributed = args.plane === 'distributed';
const services = servicesOf(args);
const duration = Number(args.duration);
const connections = Number(args.connections);
const rounds = Number(args.rounds);

/** A local OTLP/HTTP endpoint: drains each export, counts it, answers 200 (what a collector's receiver does). */
async function startSink(): Promise<{ url: string; exports: () => number; bytes: () => number; close(): void }> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    bytes: () => bytes,
    close: () => server.close(),
  };
}

interface Run {
  readonly result: autocannon.Result;
  /** Server CPU per answered request, microseconds: unlike req/s, hardly moved by other load on the machine. */
  readonly cpuMicros: number;
}

/**
 * The API under test, pinned to CPU 0: `kverse start` on the embedded data plane (its data in `dataDir`), or apps/api
 * on the services. Resolves with its REST URL.
 */
async function startApi(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string }> {
  if (!distributed) return startKverse(dataDir, env).then(({ child, restUrl }) => ({ child, url: restUrl }));
  const { child, ready } = await startApp('api', { ...services, PORT: '0', ...env }, /"url":"(http:[^"]+)"/, {
    pinned: true,
  });
  return { child, url: ready };
}

/**
 * The consumer that applies the distributed APIs' writes: not pinned (it is not on the path of a 202) and sampling
 * only what its messages' trace context asks for, so the untraced API's writes record no spans in it either.
 */
async function startConsumer(otlpUrl: string): Promise<ChildProcess> {
  const env = {
    ...services,
    KVERSE_CONSUMER_PORT: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_TRACES_SAMPLER: 'parentbased_always_off',
  };
  return (await startApp('consumer', env, /consumer started/)).child;
}

const SDK_COST_SPANS = 200_000;

/**
 * The OpenTelemetry SDK's own cost for one request, with nothing else in the process: the steps the API's tracing
 * plugin takes per request (start a SERVER span, its attributes, run the request in its context, the status
 * attribute, end), the SDK configured as the apps configure it (`@kverse/telemetry`: pooled ids, batch processor,
 * OTLP/HTTP protobuf to `endpoint`), the batches' encoding and sending included (flushed before the clock stops).
 * Prints CPU µs per request.
 */
async function sdkCost(sampler: 'always_on' | 'traceidratio', endpoint: string): Promise<void> {
  const { startTelemetry, telemetryConfigSpec } = await import('@kverse/telemetry');
  const { context, ROOT_CONTEXT, SpanKind, trace } = await import('@opentelemetry/api');
  // Read from the same settings, and so configured the same way, as an app started with them.
  const config = parseConfig(telemetryConfigSpec, {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_SAMPLER: sampler,
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  });
  const telemetry = await startTelemetry(config, { serviceName: 'kverse-bench' });
  const { tracer } = telemetry;
  const request = () => {
    const span = tracer.startSpan('GET /kv', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    if (span.isRecording()) span.setAttributes({ 'http.request.method': 'GET', 'http.route': '/kv' });
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => undefined);
    span.setAttribute('http.response.status_code', 200);
    span.end();
  };
  // A pass first, so the measured one runs optimized code. Each 512 recorded spans (the batch processor's export
  // size: every 512 requests, or 5,120 at 10 % sampling) are flushed before the next, so the export keeps up and no
  // span is dropped from a full queue (a dropped span would cost less than one under a server's real rate).
  const perExport = sampler === 'always_on' ? 512 : 5120;
  const run = async (n: number) => {
    for (let i = 0; i < n; i += perExport) {
      for (let j = 0; j < perExport; j++) request();
      await telemetry.flush();
    }
  };
  await run(SDK_COST_SPANS / 4);
  const before = process.cpuUsage();
  await run(SDK_COST_SPANS);
  const used = process.cpuUsage(before);
  console.log(`sdk µs per request: ${(used.user + used.system) / SDK_COST_SPANS}`);
  await telemetry.shutdown();
}

/** {@link sdkCost} in a child process pinned where the servers run, so nothing else shares its CPU time. */
async function measureSdkCost(sampler: 'always_on' | 'traceidratio', endpoint: string): Promise<number> {
  const { found, child } = await serve(
    [fileURLToPath(import.meta.url), '--sdk-cost', sampler, '--sdk-endpoint', endpoint],
    {},
    { micros: /sdk µs per request: ([\d.]+)/ },
  );
  await exited(child);
  return Number(found.micros);
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const sink = await startSink();
  const consumer = distributed ? await startConsumer(sink.url) : undefined;
  const dirs = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), 'kverse-bench-tracing-'))));
  const servers = {
    off: await startApi(dirs[0]!),
    on: await startApi(dirs[1]!, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' }),
    sampled: await startApi(dirs[2]!, {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    }),
  };
  const value = 'v'.repeat(Number(args['value-bytes']));
  // Distinct keys per run on the shared database, so a rerun does not update the last run's rows instead of inserting.
  const keyPrefix = `bench/tracing/${process.pid}/`;
  const results: Record<string, Run[]> = {};
  const sdkMicros = { on: Number.NaN, sampled: Number.NaN };
  try {
    for (const { url } of Object.values(servers)) {
      await fetch(`${url}/kv?wait=applied`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'bench-key', value }),
      });
    }
    let i = 0;
    const load = (url: string, op: 'GET' | 'PUT') =>
      autocannon({
        connections,
        duration,
        pipelining: 1,
        ...(op === 'GET'
          ? { url: `${url}/kv?key=bench-key` }
          : {
              url: `${url}/kv`,
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              // A distinct key per request exercises the full write path, not one hot key.
              requests: [
                {
                  setupRequest: (req) => ({
                    ...req,
                    body: JSON.stringify({ key: `${keyPrefix}${i++ % 100_000}`, value }),
                  }),
                },
              ],
            }),
      });
    // One unrecorded pass first: V8 compiles each server's per-request code with its optimizing compiler after about
    // 10,000 requests (see docs/benchmarks.md, Data plane), which the first measured round would otherwise include.
    for (const op of ['GET', 'PUT'] as const) {
      for (const { url } of Object.values(servers)) await load(url, op);
    }
    for (let round = 0; round < rounds; round++) {
      const names = ['off', 'on', 'sampled'] as const;
      const order = names.map((_, k) => names[(k + round) % names.length]!);
      for (const op of ['GET', 'PUT'] as const) {
        for (const tracing of order) {
          const key = `${op} ${tracing}`;
          const { child, url } = servers[tracing];
          const cpuBefore = processCpuSeconds(child.pid);
          const result = await load(url, op);
          const cpuMicros = ((processCpuSeconds(child.pid) - cpuBefore) * 1e6) / Math.max(1, result.requests.total);
          results[key] = [...(results[key] ?? []), { result, cpuMicros }];
        }
      }
    }
    // The SDK alone, in a process of its own on the servers' core, after the servers' runs (so it never overlaps them).
    for (const s of Object.values(servers)) s.child.kill('SIGTERM');
    sdkMicros.on = await measureSdkCost('always_on', sink.url);
    sdkMicros.sampled = await measureSdkCost('traceidratio', sink.url);
  } finally {
    for (const s of Object.values(servers)) s.child.kill('SIGTERM');
    consumer?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    sink.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }

  const rps = (key: string) => median(results[key]!.map((r) => r.result.requests.average));
  const cpu = (key: string) => median(results[key]!.map((r) => r.cpuMicros));
  const row = (route: string, key: string) => {
    const rs = results[key]!.map((r) => r.result);
    return {
      route,
      'req/s': Math.round(rps(key)),
      'p50 ms': median(rs.map((r) => r.latency.p50)),
      'p99 ms': median(rs.map((r) => r.latency.p99)),
      'server CPU µs/req': Math.round(cpu(key)),
      errors: rs.reduce((n, r) => n + r.errors + r.non2xx, 0),
    };
  };
  printTable(
    `REST API on the ${args.plane} data plane, tracing off vs on (OTLP/HTTP protobuf to a local receiver), ${connections} ` +
      `connections, ${duration}s × ${rounds} rounds each (medians), ${args['value-bytes']}-byte values`,
    [
      row('GET /kv?key= — tracing off', 'GET off'),
      row('GET /kv?key= — tracing on, every request', 'GET on'),
      row('GET /kv?key= — tracing on, 10 % sampled', 'GET sampled'),
      row('PUT /kv (202) — tracing off', 'PUT off'),
      row('PUT /kv (202) — tracing on, every request', 'PUT on'),
      row('PUT /kv (202) — tracing on, 10 % sampled', 'PUT sampled'),
    ],
  );
  console.log(`\nexported: ${sink.exports()} OTLP requests, ${(sink.bytes() / 1e6).toFixed(1)} MB`);
  printRatio('GET tracing on / off, req/s', rps('GET on') / rps('GET off'), 0.9);
  printRatio('PUT tracing on / off, req/s', rps('PUT on') / rps('PUT off'), 0.9);
  // The same ratio from CPU cost: the throughput a saturated core would reach with tracing on, relative to off.
  printRatio('GET tracing on / off, by CPU per request', cpu('GET off') / cpu('GET on'), 0.9);
  printRatio('PUT tracing on / off, by CPU per request', cpu('PUT off') / cpu('PUT on'), 0.9);
  printRatio('GET 10 % sampled / off, by CPU per request', cpu('GET off') / cpu('GET sampled'), 0.9);
  printRatio('PUT 10 % sampled / off, by CPU per request', cpu('PUT off') / cpu('PUT sampled'), 0.9);

  // What the SDK alone leaves: a request costing G µs untraced costs at least G + sdk traced, whatever the app does.
  printTable(`The OpenTelemetry SDK alone, per request, in a process of its own (${SDK_COST_SPANS} requests)`, [
    { tracing: 'every request', 'SDK CPU µs/request': sdkMicros.on },
    { tracing: '10 % sampled', 'SDK CPU µs/request': sdkMicros.sampled },
  ]);
  for (const op of ['GET', 'PUT'] as const) {
    const base = cpu(`${op} off`);
    console.log(
      `${op}: ${base.toFixed(1)} µs untraced; the SDK alone caps tracing on at ` +
        `${(base / (base + sdkMicros.on)).toFixed(2)}× (every request) and ` +
        `${(base / (base + sdkMicros.sampled)).toFixed(2)}× (10 % sampled) by CPU per request`,
    );
  }
}

// Last, so every declaration above is initialised: with --sdk-cost this file is the SDK-cost child instead.
if (args['sdk-cost']) {
  const sampler = args['sdk-cost'];
  if (sampler !== 'always_on' && sampler !== 'traceidratio') throw new Error(`--sdk-cost ${sampler}?`);
  await sdkCost(sampler, args['sdk-endpoint'] ?? '');
} else {
  await main();
}
