import { KvError } from '@kverse/kv-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildKvCommand, KvClient } from '../../src/index.js';
import { captureIo } from '../support/capture-io.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function kv(args: string[]) {
  const io = captureIo();
  await buildKvCommand(io).parseAsync(['--addr', h.server.address, ...args], { from: 'user' });
  return io;
}

it('puts, gets, lists and deletes', async () => {
  expect((await kv(['put', 'a/1', 'one', '--wait'])).stdout()).toMatch(/^OK version=\d+ applied\n$/);
  await kv(['put', 'a/2', 'two']);
  await kv(['put', 'b/1', 'three']);
  expect((await kv(['get', 'a/1'])).stdout()).toBe('one\n');
  expect((await kv(['ls', 'a/'])).stdout()).toBe('a/1\tone\na/2\ttwo\n');
  expect((await kv(['ls', '--keys-only', '--limit', '1'])).stdout()).toBe('a/1\n');
  await kv(['delete', 'a/1']);
  expect((await kv(['ls', 'a/', '--keys-only'])).stdout()).toBe('a/2\n');
});

it('populates generated keys with a rate summary', async () => {
  const io = await kv(['populate', '--count', '200', '--prefix', 'gen:', '--value-size', '16']);
  expect(io.stdout()).toMatch(/^populated 208 keys in [\d.]+ s \(\d+ puts\/s, 32 in flight\)\n$/);
  expect((await kv(['ls', 'gen:', '--keys-only'])).stdout().split('\n').length - 1).toBe(200);
});

it('watch reconnects after the server ends the stream and resumes without losing events', async () => {
  const writer = new KvClient({ address: h.server.address });
  try {
    const io = captureIo();
    const watching = buildKvCommand(io).parseAsync(['--addr', h.server.address, 'watch', 'w', '--count', '3'], {
      from: 'user',
    });
    await expect.poll(() => h.opened.dataPlane.watchers).toBe(1);
    await writer.put('w', 'first');
    await expect.poll(() => io.stdout()).toMatch(/first/);
    // The server drops every watch (as on a restart); two writes land while the client is away.
    h.server.service.endWatches(new KvError('KV_ERR_SHUTTING_DOWN', 'going away'));
    await writer.put('w', 'second');
    await writer.put('w', 'third');
    await watching;
    const lines = io.stdout().trim().split('\n');
    expect(lines.map((l) => /= (\w+) /.exec(l)?.[1])).toEqual(['first', 'second', 'third']);
    expect(io.stderr()).toMatch(/going away; reconnecting/);
  } finally {
    writer.close();
  }
});
