import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * # Wire format
 *
 * Every datagram is one UTF-8 JSON object, at most `MULTICAST_MAX_DATAGRAM_BYTES` (default 8192) long, with
 * `v` (format version, 1), `t` (kind) and `from` (the sending node's id). A datagram that is too long, is not
 * JSON, or does not match {@link Datagram} exactly (unknown kinds, missing or extra fields, wrong types) is
 * dropped, logged at `warn` and counted in `kverse_multicast_dropped_total{reason}`; the node keeps running.
 *
 * | `t`        | fields                                   | sent by / meaning |
 * | ---------- | ---------------------------------------- | ----------------- |
 * | `data`     | `inc`, `seq`, `cmd`                      | the node where a command was typed. `inc` (incarnation, random per process start) and `seq` (1, 2, … per incarnation) identify the command; receivers de-duplicate on (`from`, `inc`, `seq`). `none`: every node applies it on receipt. `total`: only the sequencer acts on it; the sender resends it every `MULTICAST_RETRY_MS` until it sees it ordered. |
 * | `order`    | `epoch`, `gseq`, `entries`               | the sequencer of `epoch`: `entries[i]` (`{origin: {from, inc, seq}, cmd}`) is number `gseq + i` of the total order (1, 2, …, no gaps). Commands ordered in one event-loop turn share a datagram (up to the byte limit, at most 256), which is what keeps `total` within reach of `none`'s throughput. Also the answer to a `nack`. |
 * | `nack`     | `epoch`, `first`, `last`                 | a member missing orders `first..last` (inclusive); the sequencer (or, during a takeover, anyone holding them) resends them as `order`s. |
 * | `hb`       | `epoch`, `leader`, `role`, `high`        | every member, every `MULTICAST_HEARTBEAT_MS`: its view of the sequencer and the highest `gseq` it holds. Liveness, tail-loss detection (a follower behind the sequencer's `high` asks with `nack`) and late joiners (log replay from 1) all rest on it. |
 * | `takeover` | `epoch`                                  | a candidate replacing a failed sequencer: members stop accepting orders of older epochs and answer with `sync`. |
 * | `sync`     | `epoch`, `high`                          | a member's answer to `takeover`: the highest `gseq` it holds, so the candidate can collect every order any survivor saw before it assigns new numbers. |
 *
 * `cmd` is `{"op":"SET","key":k,"value":v}`, `{"op":"GET","key":k}` or `{"op":"PRINT"}` (the seed's commands; GET and
 * PRINT are delivered like SET so every node logs them, but change nothing). `{"op":"NOOP"}` only appears in an
 * `order`: a new sequencer fills a number that no survivor holds with it (see README, "Failover").
 */
export const WIRE_VERSION = 1;

/** Most commands one `order` datagram carries (the byte limit usually binds first). */
export const MAX_ORDER_ENTRIES = 256;

const NodeId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Key = Type.String({ minLength: 1, maxLength: 1024 });

export const Command = Type.Union([
  Type.Object({ op: Type.Literal('SET'), key: Key, value: Type.String() }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('GET'), key: Key }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('PRINT') }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('NOOP') }, { additionalProperties: false }),
]);
export type Command = Static<typeof Command>;

const Header = { v: Type.Literal(WIRE_VERSION), from: NodeId };
const strict = { additionalProperties: false } as const;

export const Origin = Type.Object({ from: NodeId, inc: NodeId, seq: Seq }, strict);
export type Origin = Static<typeof Origin>;

export const DataMessage = Type.Object(
  { ...Header, t: Type.Literal('data'), inc: NodeId, seq: Seq, cmd: Command },
  strict,
);
export const OrderEntry = Type.Object({ origin: Origin, cmd: Command }, strict);
export type OrderEntry = Static<typeof OrderEntry>;

export const OrderMessage = Type.Object(
  {
    ...Header,
    t: Type.Literal('order'),
    epoch: Epoch,
    gseq: Seq,
    entries: Type.Array(OrderEntry, { minItems: 1, maxItems: MAX_ORDER_ENTRIES }),
  },
  strict,
);
export const NackMessage = Type.Object(
  { ...Header, t: Type.Literal('nack'), epoch: Epoch, first: Seq, last: Seq },
  strict,
);
export const HeartbeatMessage = Type.Object(
  {
    ...Header,
    t: Type.Literal('hb'),
    epoch: Epoch,
    leader: Type.Union([NodeId, Type.Null()]),
    role: Type.Union([Type.Literal('follower'), Type.Literal('sequencer'), Type.Literal('candidate')]),
    high: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export const TakeoverMessage = Type.Object({ ...Header, t: Type.Literal('takeover'), epoch: Epoch }, strict);
export const SyncMessage = Type.Object(
  { ...Header, t: Type.Literal('sync'), epoch: Epoch, high: Type.Integer({ minimum: 0 }) },
  strict,
);

export const Datagram = Type.Union([
  DataMessage,
  OrderMessage,
  NackMessage,
  HeartbeatMessage,
  TakeoverMessage,
  SyncMessage,
]);
export type Datagram = Static<typeof Datagram>;

// Compiled once: every received datagram is checked, so validation is on the hot path.
const DatagramValidator = Compile(Datagram);
export type DataMessage = Static<typeof DataMessage>;
export type OrderMessage = Static<typeof OrderMessage>;
export type HeartbeatMessage = Static<typeof HeartbeatMessage>;

/** Why a datagram was dropped; the label of `kverse_multicast_dropped_total`. */
export type DropReason = 'oversized' | 'malformed' | 'invalid';

export type Decoded = { ok: true; message: Datagram } | { ok: false; reason: DropReason; detail: string };

/** Serialises a message; throws if the result exceeds `maxBytes` (the caller must not send it). */
export function encode(message: Datagram, maxBytes: number): Buffer {
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  if (bytes.length > maxBytes) {
    throw new RangeError(`datagram of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  }
  return bytes;
}

/** Parses and validates one datagram. Never throws: a bad datagram is a value saying why. */
export function decode(bytes: Uint8Array, maxBytes: number): Decoded {
  if (bytes.length > maxBytes) return { ok: false, reason: 'oversized', detail: `${bytes.length} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed', detail: (err as Error).message };
  }
  if (!DatagramValidator.Check(parsed)) {
    const first = DatagramValidator.Errors(parsed)[0];
    return {
      ok: false,
      reason: 'invalid',
      detail: first ? `${first.instancePath || '/'}: ${first.message}` : 'schema',
    };
  }
  return { ok: true, message: parsed };
}
