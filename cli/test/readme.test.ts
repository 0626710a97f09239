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
    expect(table, 'regenerate with: node cli/dist/main.js config').toBe(configTableMarkdown());
  });
});
