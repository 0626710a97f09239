/**
 * The chat domain's vocabulary: what a connection asks for (inbound) and what it is told (outbound). These are
 * plain data, independent of any transport; the gRPC layer maps them to and from `proto/chat/v1/chat.proto`.
 *
 * Outbound events are immutable and shared: one message object is handed to every member of a room, so a
 * transport may encode it once (keyed by object identity) and send the same bytes to all of them.
 */

/** A chat message as stored in a room's history: `(epoch, offset)` names it. */
export interface ChatRecord {
  readonly room: string;
  /** Opaque; changes whenever the room's history is lost, and offsets restart with it. */
  readonly epoch: string;
  /** 1, 2, 3, … within an epoch, without gaps; the order every member receives messages in. */
  readonly offset: number;
  readonly user: string;
  readonly text: string;
  /** Server time of acceptance, ms since the Unix epoch. */
  readonly sentAtMs: number;
  /** The sender's request id, so the sender recognises its own message. */
  readonly senderRequestId: string;
}

/** What a message is before the room gives it an offset. */
export type ChatDraft = Pick<ChatRecord, 'user' | 'text' | 'sentAtMs' | 'senderRequestId'>;

/** `none`: a plain join; `complete`: every missed message follows; `gap`: some missed messages are gone. */
export type ResumeOutcome = 'none' | 'complete' | 'gap';

export type OutboundEvent =
  | {
      readonly kind: 'joined';
      readonly requestId: string;
      readonly room: string;
      readonly user: string;
      readonly epoch: string;
      readonly headOffset: number;
      readonly resume: ResumeOutcome;
      /** With `gap`: the first offset that will be delivered. */
      readonly firstOffset: number;
    }
  | { readonly kind: 'left'; readonly requestId: string; readonly room: string; readonly user: string }
  | { readonly kind: 'message'; readonly record: ChatRecord }
  /** Consecutive messages of one room, in offset order (two or more). */
  | { readonly kind: 'batch'; readonly records: readonly ChatRecord[] }
  | {
      readonly kind: 'presence';
      readonly room: string;
      /** Everyone here now, each user once, sorted. */
      readonly users: readonly string[];
      /** Who joined and who left since the previous presence event, in order. */
      readonly joined: readonly string[];
      readonly left: readonly string[];
    }
  | {
      readonly kind: 'error';
      readonly requestId: string;
      /** A KV_ERR_* code. */
      readonly code: string;
      readonly message: string;
      readonly room: string;
    }
  | { readonly kind: 'pong'; readonly requestId: string; readonly clientTimeMs: number; readonly serverTimeMs: number };

export type InboundEnvelope =
  | { readonly kind: 'join'; readonly requestId: string; readonly room: string; readonly user: string }
  | {
      readonly kind: 'resume';
      readonly requestId: string;
      readonly room: string;
      readonly user: string;
      readonly epoch: string;
      /** The last offset the client has seen; delivery restarts after it. */
      readonly afterOffset: number;
    }
  | { readonly kind: 'leave'; readonly requestId: string; readonly room: string }
  | { readonly kind: 'message'; readonly requestId: string; readonly room: string; readonly text: string }
  | { readonly kind: 'ping'; readonly requestId: string; readonly clientTimeMs: number }
  /** Could not be decoded or had no payload: answered with an error, the connection stays open. */
  | { readonly kind: 'invalid'; readonly requestId: string; readonly reason: string };
