import { Presets, SingleBar } from 'cli-progress';
import type { KvClient } from './kv-client.js';
import type { CommandIo } from './output.js';

export interface PopulateOptions {
  /** Keys to write; 0 writes the sample set only. */
  readonly count: number;
  /** Prefix of generated keys. */
  readonly prefix: string;
  /** Bytes of each generated value. */
  readonly valueSize: number;
  /** Writes in flight at once. */
  readonly concurrency: number;
}

/** A few records like the seed's `make populate` sample data. */
export const SAMPLE_DATA: ReadonlyArray<readonly [string, string]> = [
  ['user:1', '{"name":"João","email":"joao@email.com"}'],
  ['user:2', '{"name":"Maria","email":"maria@email.com"}'],
  ['user:3', '{"name":"Daniel","email":"daniel@email.com"}'],
  ['config:theme', 'dark'],
  ['config:language', 'pt-BR'],
  ['session:abc123', '{"user":"user:1","expires":"2030-01-01T00:00:00Z"}'],
  ['counter:visits', '42'],
  ['nome', 'Daniel'],
];

export interface PopulateSummary {
  readonly written: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Writes the sample data, then `count` generated keys (`<prefix><n>`), with `concurrency` writes in flight, showing
 * a progress bar on a terminal and ending with a rate summary. Stops at the first failed write.
 */
export async function populate(client: KvClient, options: PopulateOptions, io: CommandIo): Promise<PopulateSummary> {
  const filler = 'x'.repeat(options.valueSize);
  const total = SAMPLE_DATA.length + options.count;
  const entry = (i: number): readonly [string, string] =>
    i < SAMPLE_DATA.length ? SAMPLE_DATA[i]! : [`${options.prefix}${i - SAMPLE_DATA.length}`, filler];
  const bar = new SingleBar(
    {
      stream: io.err,
      format: 'populate [{bar}] {percentage}% | {value}/{total} keys | {rate} puts/s | eta {eta}s',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0 });
  let next = 0;
  let written = 0;
  const worker = async () => {
    while (next < total) {
      const [key, value] = entry(next++);
      await client.put(key, value);
      written++;
      bar.update(written, { rate: Math.round(written / ((performance.now() - started) / 1000)) });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, total)) }, worker));
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = { written, seconds, perSecond: written / seconds };
  io.out.write(
    `populated ${written} keys in ${seconds.toFixed(2)} s (${Math.round(summary.perSecond)} puts/s, ${options.concurrency} in flight)\n`,
  );
  return summary;
}
