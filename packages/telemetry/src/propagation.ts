import {
  type Context,
  context,
  propagation,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** AMQP message headers as amqplib gives and takes them (string values arrive as strings, some as Buffers). */
export type MessageHeaders = Record<string, unknown>;

const headerSetter: TextMapSetter<MessageHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const headerGetter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return undefined;
  },
};

/**
 * Writes the trace context of `ctx` (W3C `traceparent`/`tracestate`) into `headers` and returns them. Without a
 * started SDK the global propagator is a no-op and `headers` is returned untouched.
 */
export function injectContext(headers: MessageHeaders = {}, ctx: Context = context.active()): MessageHeaders {
  propagation.inject(ctx, headers, headerSetter);
  return headers;
}

/** The context carried by message headers (or gRPC metadata as a plain object), on top of `base`. */
export function extractContext(headers: MessageHeaders | undefined, base: Context = context.active()): Context {
  return headers ? propagation.extract(base, headers, headerGetter) : base;
}

/**
 * The tracer a KVerse library records with: the global provider's, a no-op until an app starts the SDK. Libraries
 * keep it in a module constant; like every `@opentelemetry/api` tracer it binds to the first SDK registered in the
 * process, which is the one an app runs for its lifetime.
 */
export function kvTracer(name: string): Tracer {
  return trace.getTracer(name);
}
