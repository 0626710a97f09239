import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLine, startRepl } from '../src/repl.js';
import { MemoryGroup, waitUntil } from './memory-group.js';

describe('parseLine', () => {
  it('parses the seed commands, case-insensitively, with the value taken as the rest of the line', () => {
    expect(parseLine('SET x hello world')).toEqual({
      kind: 'command',
      cmd: { op: 'SET', key: 'x', value: 'hello world' },
    });
    expect(parseLine('set x 1')).toEqual({ kind: 'command', cmd: { op: 'SET', key: 'x', value: '1' } });
    expect(parseLine('GET x')).toEqual({ kind: 'command', cmd: { op: 'GET', key: 'x' } });
    expect(parseLine('PRINT')).toEqual({ kind: 'command', cmd: { op: 'PRINT' } });
    expect(parseLine('HELP')).toEqual({ kind: 'help' });
    expect(parseLine('EXIT')).toEqual({ kind: 'exit' });
    expect(parseLine('   ')).toEqual({ kind: 'empty' });
  });

  it('explains malformed lines instead of sending them', () => {
    expect(parseLine('SET x')).toMatchObject({ kind: 'error', message: 'usage: SET <key> <value>' });
    expect(parseLine('GET')).toMatchObject({ kind: 'error' });
    expect(parseLine('NOOP')).toMatchObject({ kind: 'error', message: expect.stringContaining('unknown command') });
  });
});

describe('startRepl', () => {
  const groups: MemoryGroup[] = [];
  afterEach(async () => {
    await Promise.all(groups.splice(0).map((g) => g.close()));
  });

  it('drives a node from a pipe: SET goes through the group, GET and PRINT show local state, EXIT stops', async () => {
    const g = new MemoryGroup({ ordering: 'none', seed: 1 });
    groups.push(g);
    const { node } = g.add('n1');
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    let exited = false;
    startRepl(node, { input, output, onExit: () => (exited = true) });
    input.write('HELP\nSET color blue sky\nBOGUS\n');
    await waitUntil(
      () => node.get('color') === 'blue sky',
      () => text,
    );
    input.write('GET color\nPRINT\nSET k\nEXIT\n');
    await waitUntil(
      () => exited,
      () => text,
    );
    expect(text).toContain('SET <key> <value>');
    expect(text).toMatch(/sent SET as n1\/[0-9a-f]+\/1/);
    expect(text).toContain('unknown command "BOGUS"');
    expect(text).toContain('color = "blue sky" (local)');
    expect(text).toContain(`digest=${node.snapshot().digest}`);
    expect(text).toContain('usage: SET <key> <value>');
  });

  it('reports an invalid key without sending anything', async () => {
    const g = new MemoryGroup({ ordering: 'none', seed: 1 });
    groups.push(g);
    const { node } = g.add('n1');
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    startRepl(node, { input, output, onExit: () => {} });
    input.write(`SET ${'k'.repeat(2000)} 1\n`);
    await waitUntil(
      () => text.includes('error'),
      () => text,
    );
    expect(text).toContain('KV_ERR_KEY_TOO_LARGE');
  });
});
