import { KvError } from '@kverse/kv-core';

/** What one connection may do; enforced by the hub before anything reaches a room. */
export interface ChatLimits {
  /** Largest message text, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Envelopes per second a connection may send, sustained (token bucket refill rate). */
  readonly ratePerSecond: number;
  /** Envelopes a connection may send at once before the rate applies (token bucket size). */
  readonly rateBurst: number;
  /** Rooms one connection may be in at the same time. */
  readonly maxRoomsPerConnection: number;
  /** Events queued for one connection beyond what the transport buffers; past it the client is a slow consumer. */
  readonly sendQueueSize: number;
}

// ASCII only: room names become Redis keys and channel names, and must read the same everywhere.
const ROOM_NAME = /^[A-Za-z0-9._:@#/-]{1,128}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws KV_ERR_INVALID_ARGUMENT unless `room` is 1–128 characters of `A–Z a–z 0–9 . _ : @ # / -`. */
export function checkRoomName(room: string): void {
  if (!ROOM_NAME.test(room)) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'room must be 1–128 characters of A-Z a-z 0-9 . _ : @ # / -');
  }
}

/** Throws KV_ERR_INVALID_ARGUMENT unless `user` is 1–64 characters without control characters. */
export function checkUserName(user: string): void {
  const length = [...user].length;
  if (length < 1 || length > 64 || CONTROL.test(user) || user.trim() !== user) {
    throw new KvError(
      'KV_ERR_INVALID_ARGUMENT',
      'user must be 1–64 characters, without control characters or surrounding spaces',
    );
  }
}

/** Throws KV_ERR_INVALID_ARGUMENT for empty text, KV_ERR_PAYLOAD_TOO_LARGE above the byte limit. */
export function checkMessageText(text: string, limits: ChatLimits): void {
  if (text.length === 0) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'message text is empty');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxMessageBytes) {
    throw new KvError(
      'KV_ERR_PAYLOAD_TOO_LARGE',
      `message is ${bytes} bytes; the limit is ${limits.maxMessageBytes} bytes of UTF-8`,
      { details: { bytes, limit: limits.maxMessageBytes } },
    );
  }
}
