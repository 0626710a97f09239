import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest } from './otlp-trace-proto.js';

/** One span as a receiver got it, whatever the encoding: ids in lower-case hex, attributes as plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent on a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** `service.name` of the resource that sent it. */
  readonly serviceName: string | undefined;
  /** Every attribute of that resource (`service.name`, `service.instance.id`, …). */
  readonly resource: Readonly<Record<string, string | number | boolean>>;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: OtlpKeyValue[];
  links?: Array<{ traceId?: string; spanId?: string }>;
  status?: { code?: number };
}
interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/**
 * A tiny OTLP/HTTP receiver for tests: accepts trace exports in JSON or protobuf on `/v1/traces` (and keeps JSON
 * metric exports from `/v1/metrics`), answers 200, and lets a test wait for the spans it expects.
 *
 * ```ts
 * const receiver = await OtlpReceiver.start();
 * // … run the system with OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url …
 * const [span] = await receiver.waitForSpans((s) => s.name === 'kv.apply');
 * ```
 */
export class OtlpReceiver {
  private readonly received: ReceivedSpan[] = [];
  private readonly metricBodies: unknown[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    /** Base URL to give as `OTEL_EXPORTER_OTLP_ENDPOINT`. */
    readonly url: string,
  ) {}

  /** Listens on a free port of 127.0.0.1. */
  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((req, res) => {
      readBody(req)
        .then((body) => {
          receiver?.accept(req.url ?? '', req.headers['content-type'] ?? '', body);
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
          res.end(req.headers['content-type']?.includes('json') ? '{}' : undefined);
        })
        .catch((err: unknown) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end((err as Error).message);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new OtlpReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  /** Every span received so far, in arrival order. */
  spans(): readonly ReceivedSpan[] {
    return this.received;
  }

  /** Names of the metrics received so far (JSON exports). */
  metricNames(): Set<string> {
    const bodies = this.metricBodies as Array<{
      resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
    }>;
    return new Set(
      bodies.flatMap((b) =>
        (b.resourceMetrics ?? []).flatMap((r) =>
          (r.scopeMetrics ?? []).flatMap((s) => (s.metrics ?? []).map((m) => m.name)),
        ),
      ),
    );
  }

  /**
   * Resolves with the received spans matching `predicate` once there are at least `count` of them; rejects after
   * `timeoutMs` naming what did arrive.
   */
  waitForSpans(
    predicate: (span: ReceivedSpan) => boolean,
    { count = 1, timeoutMs = 15_000 }: { count?: number; timeoutMs?: number } = {},
  ): Promise<ReceivedSpan[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const matching = this.received.filter(predicate);
        if (matching.length < count) return false;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve(matching);
        return true;
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const names = this.received.map((s) => s.name).join(', ');
        reject(new Error(`fewer than ${count} matching spans after ${timeoutMs} ms; received: ${names || 'none'}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** Forgets what was received. */
  clear(): void {
    this.received.length = 0;
    this.metricBodies.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(path: string, contentType: string, body: Buffer): void {
    const json = contentType.includes('json');
    if (path.startsWith('/v1/metrics')) {
      if (json) this.metricBodies.push(JSON.parse(body.toString('utf8') || '{}'));
      return;
    }
    if (!path.startsWith('/v1/traces')) return;
    const request = (json ? JSON.parse(body.toString('utf8') || '{}') : decodeTraceRequest(body)) as OtlpTraceRequest;
    // OTLP/JSON carries ids in hex; the protobuf decoder gives them in base64.
    const id = json ? (v: string | undefined) => v ?? '' : (v: string | undefined) => base64ToHex(v);
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      const serviceName = resource['service.name'];
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const parentSpanId = id(span.parentSpanId);
          this.received.push({
            traceId: id(span.traceId),
            spanId: id(span.spanId),
            ...(parentSpanId ? { parentSpanId } : {}),
            name: span.name ?? '',
            kind: span.kind ?? 0,
            serviceName: typeof serviceName === 'string' ? serviceName : undefined,
            resource,
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map((l) => ({ traceId: id(l.traceId), spanId: id(l.spanId) })),
            statusCode: span.status?.code ?? 0,
          });
        }
      }
    }
    for (const waiter of [...this.waiters]) waiter();
  }
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (!value) continue;
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

function base64ToHex(value: string | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('hex') : '';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}
