import type { ChatRecord, InboundEnvelope, OutboundEvent } from '../domain/chat-events.js';
import type { ChatMessage } from '../generated/kverse/chat/v1/ChatMessage.js';
import type { ClientEnvelope__Output } from '../generated/kverse/chat/v1/ClientEnvelope.js';
import type { ServerEvent } from '../generated/kverse/chat/v1/ServerEvent.js';

/** What the request deserializer yields for bytes that are not a ClientEnvelope, so the stream survives them. */
export interface UndecodableEnvelope {
  readonly undecodable: string;
}

const MAX_REQUEST_ID = 128;

/** Maps a decoded envelope (or undecodable bytes) to the domain's inbound envelope. */
export function toInbound(envelope: ClientEnvelope__Output | UndecodableEnvelope): InboundEnvelope {
  if ('undecodable' in envelope) return { kind: 'invalid', requestId: '', reason: envelope.undecodable };
  const { requestId } = envelope;
  if (requestId.length > MAX_REQUEST_ID) {
    return { kind: 'invalid', requestId: '', reason: `request_id is longer than ${MAX_REQUEST_ID} characters` };
  }
  switch (envelope.payload) {
    case 'join':
      return { kind: 'join', requestId, room: envelope.join?.room ?? '', user: envelope.join?.user ?? '' };
    case 'resume': {
      const afterOffset = envelope.resume?.afterOffset ?? 0;
      if (!Number.isSafeInteger(afterOffset) || afterOffset < 0) {
        return { kind: 'invalid', requestId, reason: 'resume.after_offset is out of range' };
      }
      return {
        kind: 'resume',
        requestId,
        room: envelope.resume?.room ?? '',
        user: envelope.resume?.user ?? '',
        epoch: envelope.resume?.epoch ?? '',
        afterOffset,
      };
    }
    case 'leave':
      return { kind: 'leave', requestId, room: envelope.leave?.room ?? '' };
    case 'message':
      return { kind: 'message', requestId, room: envelope.message?.room ?? '', text: envelope.message?.text ?? '' };
    case 'ping':
      return { kind: 'ping', requestId, clientTimeMs: envelope.ping?.clientTimeMs ?? 0 };
    default:
      return { kind: 'invalid', requestId, reason: 'no payload (join, leave, message, ping or resume) is set' };
  }
}

/** Maps a domain event to the wire message. */
export function toServerEvent(event: OutboundEvent): ServerEvent {
  switch (event.kind) {
    case 'joined':
      return {
        requestId: event.requestId,
        joined: {
          room: event.room,
          user: event.user,
          epoch: event.epoch,
          headOffset: event.headOffset,
          resume: RESUME_STATUS[event.resume],
          firstOffset: event.firstOffset,
        },
      };
    case 'left':
      return { requestId: event.requestId, left: { room: event.room, user: event.user } };
    case 'message':
      return { message: toChatMessage(event.record) };
    case 'batch':
      return { batch: { messages: event.records.map(toChatMessage) } };
    case 'presence':
      return {
        presence: { room: event.room, users: [...event.users], joined: [...event.joined], left: [...event.left] },
      };
    case 'error':
      return {
        requestId: event.requestId,
        error: { code: event.code, message: event.message, room: event.room },
      };
    case 'pong':
      return {
        requestId: event.requestId,
        pong: { clientTimeMs: event.clientTimeMs, serverTimeMs: event.serverTimeMs },
      };
  }
}

function toChatMessage(r: ChatRecord): ChatMessage {
  return {
    room: r.room,
    epoch: r.epoch,
    offset: r.offset,
    user: r.user,
    text: r.text,
    sentAtMs: r.sentAtMs,
    senderRequestId: r.senderRequestId,
  };
}

const RESUME_STATUS = {
  none: 'RESUME_STATUS_UNSPECIFIED',
  complete: 'RESUME_STATUS_COMPLETE',
  gap: 'RESUME_STATUS_GAP',
} as const;
