/**
 * Versions are hybrid logical clock (HLC) timestamps: the top 48 bits are wall-clock milliseconds since the
 * Unix epoch, the low 16 bits a logical counter. A clock never goes backwards, stays within the largest
 * observed clock skew of wall time, and absorbs every version it observes, so a write issued after seeing
 * version v always gets a version above v. Two writers can mint the same number; ties are broken by the
 * writer id (see {@link compareStamps}), which makes the order of all writes total.
 *
 * On the wire a version is a decimal string (it does not fit a JSON number); in SQL an INT8; in gRPC a uint64.
 */

export type Version = bigint;

/** A version together with the writer that minted it: the unit of "which write is newer". */
export interface Stamp {
  readonly version: Version;
  readonly writer: string;
}

const LOGICAL_BITS = 16n;
const MAX_VERSION = (1n << 63n) - 1n; // fits a signed INT8 column

export function versionFromParts(millis: number, logical: number): Version {
  return (BigInt(millis) << LOGICAL_BITS) | BigInt(logical);
}

export function versionMillis(version: Version): number {
  return Number(version >> LOGICAL_BITS);
}

/** Total order of writes: by version, then by writer id. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0;
}

/** A stamp as a string, for maps and sets of writes (writer ids hold no `/`). */
export function stampId(stamp: Stamp): string {
  return `${stamp.version}/${stamp.writer}`;
}

export function isNewer(candidate: Stamp, current: Stamp | undefined): boolean {
  return current === undefined || compareStamps(candidate, current) > 0;
}

/** Parses a decimal version string from a client; undefined when it is not one. */
export function parseVersion(text: string): Version | undefined {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(text)) return undefined;
  const v = BigInt(text);
  return v <= MAX_VERSION ? v : undefined;
}

export function formatVersion(version: Version): string {
  return version.toString();
}

export interface HybridClockOptions {
  /** Id that breaks ties between writers minting the same version; unique per writer process. */
  readonly writer: string;
  /** Wall clock in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export class HybridClock {
  readonly writer: string;
  private readonly now: () => number;
  private last: Version = 0n;

  constructor(options: HybridClockOptions) {
    this.writer = options.writer;
    this.now = options.now ?? Date.now;
  }

  /** Mints a version above every version this clock has minted or observed. */
  next(): Stamp {
    const wall = versionFromParts(this.now(), 0);
    // Overflowing the 16-bit counter simply carries into the millisecond field, running slightly ahead of
    // wall time until the wall catches up; monotonicity is what matters.
    this.last = wall > this.last ? wall : this.last + 1n;
    return { version: this.last, writer: this.writer };
  }

  /** Absorbs a version seen elsewhere (a stored record, a change event) so later versions exceed it. */
  observe(version: Version): void {
    if (version > this.last) this.last = version;
  }

  /** The last version minted or observed. */
  current(): Version {
    return this.last;
  }
}
