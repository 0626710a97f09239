/**
 * How many of `items`, from the first, the next batch takes: at most `maxCount`, and only while their sizes
 * (`sizeOf`) add up to at most `maxSize` — but always the first, whatever its size, so a batch is never empty.
 */
export function batchLength<T>(
  items: readonly T[],
  maxCount: number,
  maxSize: number,
  sizeOf: (item: T) => number,
): number {
  let size = 0;
  let n = 0;
  while (n < items.length && n < maxCount) {
    size += sizeOf(items[n]!);
    if (n > 0 && size > maxSize) break;
    n++;
  }
  return n;
}
