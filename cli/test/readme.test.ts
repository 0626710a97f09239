import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown } from '../src/commands/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('opens with the run command and the test command', () => {
    const firstBlock = readme.split('```')[1] ?? '';
    expect(firstBlock).toMatch(/^sh\nnpm start\b/);
    expect(firstBlock).toMatch(/\nnpm test\b/);
  });

  it('documents every configuration variable exactly as the code defines it', () => {
    const table = readme.split('<!-- config-table:start -->\n')[1]?.split('\n<!-- config-table:end -->')[0];
    expect(normalizeTable(table ?? ''), 'regenerate with: bash scripts/readme-config.sh').toEqual(
      normalizeTable(configTableMarkdown()),
    );
  });
});

/** Cells of a Markdown table, ignoring the column padding a formatter adds. */
function normalizeTable(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^-+$/, '---')),
    );
}
