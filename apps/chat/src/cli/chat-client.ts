import { randomUUID } from 'node:crypto';
import { type ClientDuplexStream, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { ChatServiceClient } from '../generated/kverse/chat/v1/ChatService.js';
import type { ClientEnvelope } from '../generated/kverse/chat/v1/ClientEnvelope.js';
import type { ServerEvent__Output } from '../generated/kverse/chat/v1/ServerEvent.js';
import { loadChatProto } from '../grpc/chat-proto.js';
import { ERROR_CODE_TRAILER } from '../grpc/grpc-status.js';

/** What a {@link ChatClient} reports: a server event, or a change of its own connection. */
export type ChatClientEvent =
  | { readonly kind: 'event'; readonly event: ServerEvent__Output }
  | { readonly kind: 'connection'; readonly state: 'connected' | 'reconnecting'; readonly reason: string }
  | { readonly kind: 'sent'; readonly text: string; readonly offset: number }
  | { readonly kind: 'dropped'; readonly text: string; readonly code: string; readonly message: string };

export interface ChatClientOptions {
  /** host:port of a chat server. */
  readonly server: string;
  readonly room: string;
  readonly user: string;
  readonly onEvent: (event: ChatClientEvent) => void;
  /** First reconnect delay; doubles up to 5 s. @default 200 */
  readonly reconnectDelayMs?: number;
}

// Statuses after which reconnecting can help; anything else is reported and ends the client.
const RETRIABLE = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.CANCELLED, status.INTERNAL]);

/**
 * A chat connection to one room that survives server restarts and disconnects: it reconnects with backoff and
 * resumes from the last offset it saw, so it receives exactly the messages it missed (or learns they are gone).
 * Outgoing messages are sent one at a time and confirmed by their echo, so a rate-limited or interrupted send
 * is retried in order and never duplicated.
 */
export class ChatClient {
  private readonly client: ChatServiceClient;
  private call: ClientDuplexStream<ClientEnvelope, ServerEvent__Output> | undefined;
  private epoch = '';
  private lastOffset = 0;
  /** After a resume, replayed messages run up to this offset; sends wait until they have arrived. */
  private catchUpTo = Number.POSITIVE_INFINITY;
  private readonly outbox: Array<{ id: string; text: string }> = [];
  private inFlight: { id: string; text: string; sent: boolean } | undefined;
  private closed = false;
  private joined = false;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly idle: Array<() => void> = [];

  constructor(private readonly options: ChatClientOptions) {
    const proto = loadChatProto();
    this.client = new proto.kverse.chat.v1.ChatService(options.server, credentials.createInsecure());
    this.delayMs = options.reconnectDelayMs ?? 200;
  }

  /** Opens the connection and joins (or resumes) the room. */
  start(): void {
    if (this.closed) return;
    const call = this.client.Connect(new Metadata());
    this.call = call;
    this.joined = false;
    call.on('data', (event: ServerEvent__Output) => this.onServerEvent(event));
    call.on('error', (err: ServiceError) => this.onEnded(call, err));
    call.on('end', () => this.onEnded(call, undefined));
    const { room, user } = this.options;
    if (this.epoch === '') {
      this.write({ requestId: randomUUID(), join: { room, user } });
    } else {
      this.write({ requestId: randomUUID(), resume: { room, user, epoch: this.epoch, afterOffset: this.lastOffset } });
    }
  }

  /** Queues a message; it is sent after the ones before it were accepted. */
  send(text: string): void {
    this.outbox.push({ id: randomUUID(), text });
    this.pump();
  }

  /** Resolves once every queued message was accepted or dropped. */
  flushed(): Promise<void> {
    if (!this.inFlight && this.outbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Leaves the room and closes the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.call) {
      this.write({ requestId: randomUUID(), leave: { room: this.options.room } });
      this.call.end();
    }
    this.client.close();
  }

  private write(envelope: ClientEnvelope): void {
    this.call?.write(envelope);
  }

  private onServerEvent(event: ServerEvent__Output): void {
    this.options.onEvent({ kind: 'event', event });
    if (event.joined && event.requestId !== '') {
      this.joined = true;
      this.epoch = event.joined.epoch;
      this.catchUpTo = event.joined.headOffset;
      // A plain join starts at the head; a resume with a gap restarts at first_offset.
      if (event.joined.resume === 'RESUME_STATUS_UNSPECIFIED') this.lastOffset = event.joined.headOffset;
      else if (event.joined.resume === 'RESUME_STATUS_GAP') this.lastOffset = event.joined.firstOffset - 1;
      this.delayMs = this.options.reconnectDelayMs ?? 200;
      this.options.onEvent({ kind: 'connection', state: 'connected', reason: event.joined.resume });
    } else if (event.message || event.batch) {
      for (const m of event.message ? [event.message] : (event.batch?.messages ?? [])) {
        this.epoch = m.epoch;
        this.lastOffset = m.offset;
        if (this.inFlight && m.senderRequestId === this.inFlight.id) {
          this.options.onEvent({ kind: 'sent', text: this.inFlight.text, offset: m.offset });
          this.inFlight = undefined;
        }
      }
    } else if (event.error && this.inFlight && event.requestId === this.inFlight.id) {
      if (event.error.code === 'KV_ERR_RATE_LIMITED') {
        // Try the same message again shortly; later messages wait behind it, so order holds.
        this.inFlight.sent = false;
        setTimeout(() => this.pump(), 100).unref();
        return;
      }
      this.options.onEvent({
        kind: 'dropped',
        text: this.inFlight.text,
        code: event.error.code,
        message: event.error.message,
      });
      this.inFlight = undefined;
    }
    this.pump();
  }

  private pump(): void {
    if (!this.joined || this.lastOffset < this.catchUpTo || this.closed) return;
    if (!this.inFlight) {
      const next = this.outbox.shift();
      if (!next) {
        for (const resolve of this.idle.splice(0)) resolve();
        return;
      }
      this.inFlight = { ...next, sent: false };
    }
    if (!this.inFlight.sent) {
      this.inFlight.sent = true;
      this.write({ requestId: this.inFlight.id, message: { room: this.options.room, text: this.inFlight.text } });
    }
  }

  private onEnded(call: ClientDuplexStream<ClientEnvelope, ServerEvent__Output>, err: ServiceError | undefined): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.joined = false;
    // An unconfirmed message is re-sent after the resume unless its echo shows up in the replay.
    if (this.inFlight) this.inFlight.sent = false;
    if (this.closed) return;
    const code = err?.metadata?.get(ERROR_CODE_TRAILER)[0];
    const reason = err ? `${code ?? status[err.code]}: ${err.details}` : 'server ended the stream';
    if (err && !RETRIABLE.has(err.code)) {
      this.options.onEvent({ kind: 'connection', state: 'reconnecting', reason: `giving up (${reason})` });
      this.close();
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.options.onEvent({ kind: 'connection', state: 'reconnecting', reason });
    this.retryTimer = setTimeout(() => this.start(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, 5_000);
  }
}
