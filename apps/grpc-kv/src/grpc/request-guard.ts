import { isUtf8 } from 'node:buffer';
import type { ProtobufTypeDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** What a request deserializer yields for bytes it refuses, so the handler can answer INVALID_ARGUMENT. */
export interface RejectedRequest {
  readonly rejected: string;
}

export function isRejected(request: object): request is RejectedRequest {
  return 'rejected' in request;
}

interface FieldDescriptor {
  readonly name?: string;
  readonly number?: number;
  readonly type?: string;
  readonly typeName?: string;
}

/** Finds a message type named in a field descriptor's `typeName` (relative to the proto package, or `.`-qualified). */
export type MessageTypeLookup = (typeName: string) => ProtobufTypeDefinition | undefined;

/** Where a message's string fields sit, by field number: strings to check, nested messages to walk into. */
interface StringShape {
  readonly strings: Map<number, string>;
  readonly messages: Map<number, StringShape>;
}

const LENGTH_DELIMITED = 2;

/**
 * Wraps a request deserializer with a strict UTF-8 check. protobufjs decodes invalid UTF-8 in a `string` field
 * into replacement characters, which would silently store a different key than the client sent; proto3 says such a
 * message is invalid. So the raw bytes of every string field, nested messages' included (found through `lookup`),
 * are checked first, and undecodable bytes become a {@link RejectedRequest} rather than an INTERNAL error that ends
 * the call without saying why.
 */
export function strictDeserializer<T extends object>(
  decode: (bytes: Buffer) => T,
  messageType: ProtobufTypeDefinition,
  lookup: MessageTypeLookup = () => undefined,
): (bytes: Buffer) => T | RejectedRequest {
  const shape = stringShape(messageType, lookup, new Map());
  return (bytes) => {
    try {
      const bad = firstInvalidString(bytes, shape);
      if (bad !== undefined) return { rejected: `field \`${bad}\` is not valid UTF-8` };
      return decode(bytes);
    } catch (err) {
      return { rejected: `request is not a valid protobuf message (${(err as Error).message})` };
    }
  };
}

function stringShape(
  messageType: ProtobufTypeDefinition,
  lookup: MessageTypeLookup,
  seen: Map<ProtobufTypeDefinition, StringShape>,
): StringShape {
  const known = seen.get(messageType);
  if (known) return known;
  const shape: StringShape = { strings: new Map(), messages: new Map() };
  seen.set(messageType, shape);
  const fields = (messageType.type as { field?: readonly FieldDescriptor[] }).field ?? [];
  for (const f of fields) {
    if (f.number === undefined) continue;
    if (f.type === 'TYPE_STRING') shape.strings.set(f.number, f.name ?? '');
    const nested = f.type === 'TYPE_MESSAGE' && f.typeName ? lookup(f.typeName) : undefined;
    if (nested) shape.messages.set(f.number, stringShape(nested, lookup, seen));
  }
  return shape;
}

function firstInvalidString(bytes: Uint8Array, shape: StringShape): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    const field = tag >>> 3;
    const name = shape.strings.get(field);
    const nested = shape.messages.get(field);
    if (wireType === LENGTH_DELIMITED && (name !== undefined || nested !== undefined)) {
      const length = reader.uint32();
      const start = reader.pos;
      reader.skip(length);
      const value = bytes.subarray(start, start + length);
      if (name !== undefined && !isUtf8(value)) return name;
      const inner = nested && firstInvalidString(value, nested);
      if (inner !== undefined) return inner;
    } else {
      reader.skipType(wireType);
    }
  }
  return undefined;
}
