import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { status } from '@grpc/grpc-js';
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

async function kv(args: string[], stdin?: string) {
  const io = { ...captureIo(), ...(stdin === undefined ? {} : { in: Readable.from([stdin]) }) };
  await buildKvCommand(io).parseAsync(['--addr', h.server.address, ...args], { from: 'user' });
  return io;
}

const versionOf = (line: string) => /version=(\d+)/.exec(line)?.[1] ?? '';

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

/** Runs `watch <key> --count <count>` and resolves once the server has registered its watch. */
async function startWatch(key: string, count: number) {
  const io = captureIo();
  const watching = buildKvCommand(io).parseAsync(['--addr', h.server.address, 'watch', key, '--count', String(count)], {
    from: 'user',
  });
  await expect.poll(() => h.opened.dataPlane.watchers).toBe(1);
  return { io, watching };
}

/** The values of the events a watch printed, in order. */
const printedValues = (io: ReturnType<typeof captureIo>) =>
  io
    .stdout()
    .trim()
    .split('\n')
    .map((l) => /= (\w+) /.exec(l)?.[1]);

it('watch reconnects after the server ends the stream and resumes without losing events', async () => {
  const writer = new KvClient({ address: h.server.address });
  try {
    const { io, watching } = await startWatch('w', 3);
    await writer.put('w', 'first');
    await expect.poll(() => io.stdout()).toMatch(/first/);
    // The server drops every watch (as on a restart); two writes land while the client is away.
    h.server.service.endWatches(new KvError('KV_ERR_SHUTTING_DOWN', 'going away'));
    await writer.put('w', 'second');
    await writer.put('w', 'third');
    await watching;
    expect(printedValues(io)).toEqual(['first', 'second', 'third']);
    expect(io.stderr()).toMatch(/going away; reconnecting/);
  } finally {
    writer.close();
  }
});

it('watch resumes from where it started when the stream ends before any change', async () => {
  const writer = new KvClient({ address: h.server.address });
  try {
    const { io, watching } = await startWatch('quiet', 2);
    h.server.service.endWatches(new KvError('KV_ERR_SHUTTING_DOWN', 'going away'));
    // Both land before the client reconnects: only resuming from the start version delivers them.
    await writer.put('quiet', 'one');
    await writer.put('quiet', 'two');
    await watching;
    expect(printedValues(io)).toEqual(['one', 'two']);
  } finally {
    writer.close();
  }
});

it('puts with a TTL and conditions, deletes at a version, and gets several keys at once', async () => {
  const ttl = (await kv(['put', 'c/ttl', 'soon', '--ttl', '60'])).stdout();
  expect(ttl).toMatch(/^OK version=\d+ applied expires=\d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
  expect((await kv(['get', '-v', 'c/ttl'])).stdout()).toMatch(/^soon\tversion=\d+\texpires=\S+Z\n$/);

  const created = versionOf((await kv(['put', 'c/k', 'one', '--if-absent'])).stdout());
  await expect(kv(['put', 'c/k', 'again', '--if-absent'])).rejects.toMatchObject({
    code: status.FAILED_PRECONDITION,
  });
  const updated = versionOf((await kv(['put', 'c/k', 'two', '--if-version', created])).stdout());
  await expect(kv(['put', 'c/k', 'three', '--if-version', created])).rejects.toMatchObject({
    code: status.FAILED_PRECONDITION,
    details: expect.stringContaining(`but it is at version ${updated}`),
  });

  expect((await kv(['get', 'c/k', 'c/ttl'])).stdout()).toBe('c/k\ttwo\nc/ttl\tsoon\n');
  await expect(kv(['get', 'c/k', 'c/none'])).rejects.toThrow('not found: c/none');

  await expect(kv(['delete', 'c/k', '--if-version', created])).rejects.toMatchObject({
    code: status.FAILED_PRECONDITION,
  });
  expect((await kv(['delete', 'c/k', '--if-version', updated])).stdout()).toMatch(/^OK version=\d+ applied\n$/);
  expect((await kv(['ls', 'c/', '--keys-only'])).stdout()).toBe('c/ttl\n');
});

it('applies a transaction read from a file or from stdin, all or nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-kv-txn-'));
  try {
    const first = join(dir, 'first.json');
    await writeFile(
      first,
      JSON.stringify({
        compares: [{ key: 'acct/a', absent: true }],
        ops: [{ put: { key: 'acct/a', value: '100' } }, { put: { key: 'acct/b', value: '0', ttlSeconds: 600 } }],
      }),
    );
    const version = versionOf((await kv(['txn', first])).stdout());
    expect((await kv(['get', '-v', 'acct/a', 'acct/b'])).stdout()).toMatch(
      new RegExp(`^acct/a\t100\tversion=${version}\nacct/b\t0\tversion=${version}\texpires=\\S+\n$`),
    );

    const move = (from: string) =>
      JSON.stringify({
        compares: [{ key: 'acct/a', version: from }],
        ops: [{ put: { key: 'acct/a', value: '90' } }, { put: { key: 'acct/b', value: '10' } }],
      });
    expect((await kv(['txn'], move(version))).stdout()).toMatch(/^OK version=\d+ applied\n$/);
    // The same transfer again: its compare no longer holds, and nothing is written.
    await expect(kv(['txn', '-'], move(version))).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect((await kv(['get', 'acct/a', 'acct/b'])).stdout()).toBe('acct/a\t90\nacct/b\t10\n');

    await expect(kv(['txn'], '{"ops":[{"put":{"key":"x","value":"1","ttl":5}}]}')).rejects.toThrow(
      /transaction is invalid: \/ops\/0/,
    );
    await expect(kv(['txn'], 'not json')).rejects.toThrow(/transaction is not JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
