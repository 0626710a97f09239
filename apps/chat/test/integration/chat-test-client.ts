import { Client, type ClientDuplexStream, credentials, type ServiceError } from '@grpc/grpc-js';
import { createLogger, createMetricsRegistry, type Registry } from '@kverse/runtime';
import { Redis } from 'ioredis';
import { type ChatServerHandle, startChatServer } from '../../src/app.js';
import { type ChatConfig, chatConfig } from '../../src/config.js';
import type { ChatMessage__Output } from '../../src/generated/kverse/chat/v1/ChatMessage.js';
import type { ClientEnvelope } from '../../src/generated/kverse/chat/v1/ClientEnvelope.js';
import type { ServerEvent__Output } from '../../src/generated/kverse/chat/v1/ServerEvent.js';
import { loadChatPackageDefinition } from '../../src/grpc/chat-proto.js';
import { ERROR_CODE_TRAILER } from '../../src/grpc/grpc-status.js';

const METHOD = loadChatPackageDefinition()['kverse.chat.v1.ChatService'] as unknown as Record<
  'Connect',
  { path: string; requestSerialize(v: ClientEnvelope): Buffer; responseDeserialize(b: Buffer): ServerEvent__Output }
>;

export interface EndStatus {
  readonly code: number;
  readonly details: string;
  /** The KV_ERR_* code from the trailer, if any. */
  readonly errorCode: string | undefined;
}

/**
 * A real gRPC client of the chat service for tests: records every event, can send raw bytes (to test
 * undecodable frames) and can stop reading (to play a stalled client).
 */
export class ChatTestClient {
  readonly events: ServerEvent__Output[] = [];
  readonly ended: Promise<EndStatus>;
  private readonly client: Client;
  private readonly call: ClientDuplexStream<ClientEnvelope | Buffer, ServerEvent__Output>;
  private readonly byRoom = new Map<string, ChatMessage__Output[]>();
  private waiters: Array<() => void> = [];
  private nextId = 1;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(
      METHOD.Connect.path,
      (value: ClientEnvelope | Buffer) => (Buffer.isBuffer(value) ? value : METHOD.Connect.requestSerialize(value)),
      (bytes: Buffer) => METHOD.Connect.responseDeserialize(bytes),
    );
    this.call.on('data', (received: ServerEvent__Output) => {
      // A batch is recorded as the single messages it carries, so tests read one shape.
      const expanded = received.batch
        ? received.batch.messages.map((message) => ({ ...received, batch: null, event: 'message' as const, message }))
        : [received];
      this.batches += received.batch ? 1 : 0;
      for (const event of expanded) this.record(event);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.ended = new Promise((resolve) => {
      this.call.on('error', (err: ServiceError) => {
        resolve({
          code: err.code,
          details: err.details,
          errorCode: err.metadata?.get(ERROR_CODE_TRAILER)[0]?.toString(),
        });
        for (const wake of this.waiters.splice(0)) wake();
      });
      this.call.on('end', () => resolve({ code: 0, details: 'OK', errorCode: undefined }));
    });
  }

  /** Batch events received (each also recorded as its messages). */
  batches = 0;

  private record(event: ServerEvent__Output): void {
    this.events.push(event);
    if (event.message) {
      const list = this.byRoom.get(event.message.room) ?? [];
      list.push(event.message);
      this.byRoom.set(event.message.room, list);
    }
  }

  /** Sends an envelope (a request id is added if missing) or raw bytes; returns the request id. */
  send(envelope: ClientEnvelope | Buffer): string {
    if (Buffer.isBuffer(envelope)) {
      this.call.write(envelope);
      return '';
    }
    const requestId = envelope.requestId ?? `r${this.nextId++}`;
    this.call.write({ ...envelope, requestId });
    return requestId;
  }

  join(room: string, user: string): string {
    return this.send({ join: { room, user } });
  }

  say(room: string, text: string): string {
    return this.send({ message: { room, text } });
  }

  /** Resolves with the first recorded event matching `predicate` (waiting for it if needed). */
  async waitFor(
    predicate: (e: ServerEvent__Output) => boolean,
    what = 'event',
    timeoutMs = 15_000,
  ): Promise<ServerEvent__Output> {
    let found: ServerEvent__Output | undefined;
    let checked = 0;
    await this.waitUntil(
      () => {
        // Only look at events not seen by an earlier check.
        for (; checked < this.events.length && !found; checked++) {
          if (predicate(this.events[checked]!)) found = this.events[checked];
        }
        return found !== undefined;
      },
      what,
      timeoutMs,
    );
    return found!;
  }

  /** Resolves once `condition` holds, re-checking after every event. */
  async waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` messages of `room` arrived. */
  async waitForMessages(room: string, count: number, timeoutMs = 30_000): Promise<ChatMessage__Output[]> {
    await this.waitUntil(
      () => (this.byRoom.get(room)?.length ?? 0) >= count,
      `${count} messages in ${room}`,
      timeoutMs,
    );
    return this.messages(room);
  }

  messages(room?: string): ChatMessage__Output[] {
    if (room !== undefined) return [...(this.byRoom.get(room) ?? [])];
    return this.events.flatMap((e) => (e.message ? [e.message] : []));
  }

  errors(): Array<{ requestId: string; code: string; message: string }> {
    return this.events.flatMap((e) => (e.error ? [{ requestId: e.requestId, ...e.error }] : []));
  }

  /** Stops reading: events pile up in the server's buffers (a stalled client). */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  /** Drops the connection abruptly (a client crash or network loss). */
  drop(): void {
    this.call.cancel();
    this.client.close();
  }

  /** Half-closes and closes politely. */
  close(): void {
    this.call.end();
    this.client.close();
  }
}

/** A chat server in this process with its own metrics registry and silent logs. */
export async function startTestServer(
  overrides: Partial<ChatConfig> = {},
): Promise<ChatServerHandle & { address: string; metrics: Registry }> {
  const metrics = createMetricsRegistry();
  const server = await startChatServer(
    chatConfig({ host: '127.0.0.1', port: 0, metricsPort: 0, logLevel: 'silent', ...overrides }),
    { logger: createLogger({ name: 'chat-test', level: 'silent' }), metrics },
  );
  return { ...server, close: () => server.close(), address: `127.0.0.1:${server.port}`, metrics };
}

/** The Redis the integration tier uses; fails with what to do when it is not there. */
export async function requireRedis(): Promise<string> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `these tests need Redis at ${url} and it does not answer (${(err as Error).message}); start it with scripts/services/redis.sh`,
    );
  } finally {
    redis.disconnect();
  }
  return url;
}

/** A room name no other test run uses. */
export function uniqueRoom(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Reads one sample of a Prometheus metric from the registry (0 if absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return sample?.value ?? 0;
}
