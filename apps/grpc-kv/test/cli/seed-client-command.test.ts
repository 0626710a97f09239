import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSeedClient } from '../../src/index.js';
import { captureIo } from '../support/capture-io.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('runs the seed README examples with single- and double-dash flags', async () => {
  const addr = h.server.address;
  const put = captureIo();
  await runSeedClient([`-addr=${addr}`, '-flag=put', '-key=test', '-value=hello'], put);
  expect(put.stdout()).toMatch(/success to put: true/);

  const get = captureIo();
  await runSeedClient(['--addr', addr, '--flag=get', '--key=test'], get);
  expect(get.stdout()).toBe('GOT: value hello, for key test\n');

  const populate = captureIo();
  await runSeedClient([`-addr=${addr}`, '-flag=populate'], populate);
  expect(populate.stdout()).toMatch(/populated 8 keys in [\d.]+ s \(\d+ puts\/s/);

  const all = captureIo();
  await runSeedClient([`-addr=${addr}`, '-flag=all'], all);
  expect(all.stdout()).toContain('test: hello\n');
  expect(all.stdout()).toContain('user:1: {"name":"João","email":"joao@email.com"}\n');
  expect(all.stdout()).toMatch(/9 keys\n$/);

  const del = captureIo();
  await runSeedClient([`-addr=${addr}`, '-flag=delete', '-key=test'], del);
  expect(del.stdout()).toMatch(/success to delete: true/);
  await expect(runSeedClient([`-addr=${addr}`, '-flag=get', '-key=test'], captureIo())).rejects.toMatchObject({
    details: 'key not found: test',
  });
});
