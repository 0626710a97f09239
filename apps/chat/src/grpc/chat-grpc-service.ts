import type { Server, ServerDuplexStream, ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from '@kverse/runtime';
import type { OutboundEvent } from '../domain/chat-events.js';
import type { ChatHub } from '../domain/chat-hub.js';
import type { SessionSink } from '../domain/chat-session.js';
import type { ChatServiceDefinition } from '../generated/kverse/chat/v1/ChatService.js';
import type { ClientEnvelope__Output } from '../generated/kverse/chat/v1/ClientEnvelope.js';
import { toInbound, toServerEvent, type UndecodableEnvelope } from './chat-codec.js';
import { toGrpcStatus } from './grpc-status.js';

type Incoming = ClientEnvelope__Output | UndecodableEnvelope;
type ChatCall = ServerDuplexStream<Incoming, Buffer>;

/**
 * `kverse.chat.v1.ChatService` on a gRPC server: one hub session per `Connect` call.
 *
 * Two deviations from the generated definition, both deliberate:
 * - responses are encoded here, once per event object, and handed to gRPC as bytes: a room message is the same
 *   object for every member, so fan-out to N members encodes once instead of N times;
 * - undecodable request bytes become an `invalid` envelope answered with an error event, instead of gRPC ending
 *   the whole call, so one bad frame does not cost the client its rooms.
 */
export class ChatGrpcService {
  private readonly encoded = new WeakMap<OutboundEvent, Buffer>();
  private readonly serialize: (event: ReturnType<typeof toServerEvent>) => Buffer;

  constructor(
    private readonly hub: ChatHub,
    private readonly definition: ChatServiceDefinition,
    private readonly logger: Logger,
  ) {
    this.serialize = definition.Connect.responseSerialize;
  }

  /** Registers the service on `server`. */
  addToServer(server: Server): void {
    const method = this.definition.Connect;
    const decode = method.requestDeserialize;
    const service: ServiceDefinition = {
      Connect: {
        ...method,
        requestDeserialize: (bytes: Buffer): Incoming => {
          try {
            return decode(bytes);
          } catch (err) {
            return { undecodable: `not a ClientEnvelope (${(err as Error).message})` };
          }
        },
        responseSerialize: (bytes: Buffer) => bytes,
      },
    };
    server.addService(service, { Connect: (call: ChatCall) => this.connect(call) });
  }

  private connect(call: ChatCall): void {
    const sink: SessionSink = {
      write: (event) => call.write(this.encode(event)),
      fail: (error) => {
        // The status follows what is already buffered for this client; nothing more is queued behind it.
        call.emit('error', toGrpcStatus(error));
      },
    };
    const session = this.hub.connect(sink);
    const log = this.logger.child({ session: session.id, peer: call.getPeer() });
    log.debug('connection opened');
    call.on('drain', () => session.resume());
    call.on('data', (envelope: Incoming) => this.hub.receive(session, toInbound(envelope)));
    // The client half-closed: it will send nothing more, so the connection is done.
    call.on('end', () => {
      this.hub.disconnect(session);
      if (call.writable) call.end();
    });
    call.on('cancelled', () => {
      log.debug('connection cancelled by the client');
      this.hub.disconnect(session);
    });
    call.on('error', () => this.hub.disconnect(session));
    call.on('close', () => this.hub.disconnect(session));
  }

  private encode(event: OutboundEvent): Buffer {
    let bytes = this.encoded.get(event);
    if (!bytes) {
      bytes = this.serialize(toServerEvent(event));
      this.encoded.set(event, bytes);
    }
    return bytes;
  }
}
