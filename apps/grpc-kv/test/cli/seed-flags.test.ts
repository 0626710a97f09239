import { expect, it } from 'vitest';
import { goFlagsToCommander } from '../../src/cli/seed-flags.js';

const names = new Set(['flag', 'key', 'value', 'addr']);

it('rewrites Go-style single-dash long flags, in both = and space forms', () => {
  expect(goFlagsToCommander(['-flag=put', '-key', 'k', '--value=v', '-addr=h:1'], names)).toEqual([
    '--flag=put',
    '--key',
    'k',
    '--value=v',
    '--addr=h:1',
  ]);
});

it('leaves values and unknown flags alone', () => {
  expect(goFlagsToCommander(['--value', '-1', '-x', '-key=-flag=x'], names)).toEqual([
    '--value',
    '-1',
    '-x',
    '--key=-flag=x',
  ]);
});
