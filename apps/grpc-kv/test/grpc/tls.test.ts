import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { call, callError, kvClient, startHarness } from '../support/harness.js';

it('serves over TLS when a certificate and key are configured, and refuses plaintext', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-grpc-kv-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ...['-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  );
  const h = await startHarness({ GRPC_KV_TLS_CERT: cert, GRPC_KV_TLS_KEY: key });
  const secure = kvClient(h.server.address, credentials.createSsl(await readFile(cert)));
  const plain = kvClient(h.server.address);
  try {
    expect(await call((cb) => secure.Put({ key: 'tls', value: 'on' }, cb))).toMatchObject({ success: true });
    expect(await call((cb) => secure.Get({ key: 'tls' }, cb))).toMatchObject({ value: 'on' });
    expect((await callError((cb) => plain.Get({ key: 'tls' }, { deadline: Date.now() + 2000 }, cb))).code).toBe(
      status.UNAVAILABLE,
    );
  } finally {
    secure.close();
    plain.close();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
