/** Shared output helpers: every benchmark prints an aligned table and its ratios against the goals. */

export type Row = Record<string, string | number>;

export function printTable(title: string, rows: readonly Row[]): void {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) => (typeof v === 'number' ? formatNumber(v) : (v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c])).length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => String(cell(r[c])))));
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Prints `name: ratio (goal ≥ x) ok|MISSED` and returns whether the goal was met. */
export function printRatio(name: string, ratio: number, goal: number): boolean {
  const ok = ratio >= goal;
  console.log(`${name}: ${ratio.toFixed(2)}× (goal ≥ ${goal}×) ${ok ? 'met' : 'MISSED'}`);
  return ok;
}

/** The sample whose `by` is the median: the middle one, the upper of the two for an even count. */
export function medianBy<T>(samples: readonly T[], by: (sample: T) => number): T | undefined {
  return [...samples].sort((a, b) => by(a) - by(b))[Math.floor(samples.length / 2)];
}

/** The median of `values` (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
