import { InvalidArgumentError } from 'commander';

/** A commander argument parser for an integer of at least `min`. */
export function intAtLeast(min: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}`);
    return n;
  };
}
