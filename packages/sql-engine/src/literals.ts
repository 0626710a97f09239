/**
 * SQL literals for the two statements batches of the apply path that carry their data inline (see `SqlEngine`'s
 * `applyOnce`). Every literal is built only from hex digits, decimal digits or a keyword, so no input can end a
 * string or inject SQL whatever it contains — there is no quoting of caller text to get wrong. Valid on PostgreSQL and
 * CockroachDB alike, and independent of `standard_conforming_strings`.
 */

/** A BYTEA literal: `decode('<hex>', 'hex')`. */
export function bytesLiteral(bytes: Buffer): string {
  return `decode('${bytes.toString('hex')}', 'hex')`;
}

/** A TEXT literal of `text`, carried as its UTF-8 bytes in hex. */
export function textLiteral(text: string): string {
  return `convert_from(${bytesLiteral(Buffer.from(text, 'utf8'))}, 'UTF8')`;
}

/** An INT8 literal; refuses anything but an integer in the INT8 range. */
export function int8Literal(n: bigint | number): string {
  const value = typeof n === 'bigint' ? n : Number.isSafeInteger(n) ? BigInt(n) : undefined;
  if (value === undefined || value < -(2n ** 63n) || value >= 2n ** 63n) {
    throw new RangeError(`not an INT8: ${String(n)}`);
  }
  return `${value.toString()}::INT8`;
}

export function boolLiteral(b: boolean): string {
  return b ? 'TRUE' : 'FALSE';
}
