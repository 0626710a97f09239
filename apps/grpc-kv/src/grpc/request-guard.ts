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
}

const LENGTH_DELIMITED = 2;

/**
 * Wraps a request deserializer with a strict UTF-8 check. protobufjs decodes invalid UTF-8 in a `string` field
 * into replacement characters, which would silently store a different key than the client sent; proto3 says such a
 * message is invalid. So the raw bytes of every string field are checked first, and undecodable bytes become a
 * {@link RejectedRequest} rather than an INTERNAL error that ends the call without saying why.
 */
export function strictDeserializer<T extends object>(
  decode: (bytes: Buffer) => T,
  messageType: ProtobufTypeDefinition,
): (bytes: Buffer) => T | RejectedRequest {
  const fields = (messageType.type as { field?: readonly FieldDescriptor[] }).field ?? [];
  const stringFields = new Map<number, string>();
  for (const f of fields)
    if (f.type === 'TYPE_STRING' && f.number !== undefined) stringFields.set(f.number, f.name ?? '');
  return (bytes) => {
    try {
      const bad = firstInvalidString(bytes, stringFields);
      if (bad !== undefined) return { rejected: `field \`${bad}\` is not valid UTF-8` };
      return decode(bytes);
    } catch (err) {
      return { rejected: `request is not a valid protobuf message (${(err as Error).message})` };
    }
  };
}

// Walks the top-level fields of the wire format (requests have no nested messages).
function firstInvalidString(bytes: Buffer, stringFields: ReadonlyMap<number, string>): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    const name = stringFields.get(tag >>> 3);
    if (wireType === LENGTH_DELIMITED && name !== undefined) {
      const length = reader.uint32();
      const start = reader.pos;
      reader.skip(length);
      if (!isUtf8(bytes.subarray(start, start + length))) return name;
    } else {
      reader.skipType(wireType);
    }
  }
  return undefined;
}
