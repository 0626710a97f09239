/**
 * Little-endian field writer and reader for record payloads. Strings are UTF-8 with a u32 byte-length prefix;
 * versions are signed 64-bit (they fit a signed INT8, see hlc.ts); times are float64 milliseconds, which hold
 * every integer millisecond a JavaScript `Date` can.
 */

/** Bytes a length-prefixed string takes. */
export function stringBytes(text: string): number {
  return 4 + Buffer.byteLength(text, 'utf8');
}

/** Writes fields into a buffer sized in advance. */
export class BinaryWriter {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  u8(n: number): this {
    this.pos = this.buf.writeUInt8(n, this.pos);
    return this;
  }

  u32(n: number): this {
    this.pos = this.buf.writeUInt32LE(n, this.pos);
    return this;
  }

  i64(n: bigint): this {
    this.pos = this.buf.writeBigInt64LE(n, this.pos);
    return this;
  }

  f64(n: number): this {
    this.pos = this.buf.writeDoubleLE(n, this.pos);
    return this;
  }

  string(text: string): this {
    const written = this.buf.write(text, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(written, this.pos);
    this.pos += 4 + written;
    return this;
  }

  /** Offset after the last field written. */
  get offset(): number {
    return this.pos;
  }
}

/** Thrown when a payload whose CRC matched does not decode: a bug or a foreign file, never a torn write. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

/** Reads fields back; every read is bounds-checked. */
export class BinaryReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const n = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return n;
  }

  i64(): bigint {
    this.need(8);
    const n = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return n;
  }

  f64(): number {
    this.need(8);
    const n = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return n;
  }

  string(): string {
    const length = this.u32();
    this.need(length);
    const text = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return text;
  }

  /** Throws unless every byte was consumed (trailing bytes mean the payload is not what its type says). */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new MalformedPayloadError(`${this.buf.length - this.pos} unexpected trailing bytes`);
    }
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.buf.length) {
      throw new MalformedPayloadError(`payload ends ${this.pos + bytes - this.buf.length} bytes early`);
    }
  }
}
