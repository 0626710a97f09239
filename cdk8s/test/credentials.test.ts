import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { find, synthPlatform } from './support.js';

// Stands in for the API server and the service account: answers 404 to the existence check and prints the Secret
// the script creates.
const FAKE_CLUSTER = `
const fs = require('node:fs');
const read = fs.readFileSync;
fs.readFileSync = (p, ...rest) =>
  String(p).startsWith('/var/run/secrets/') ? (String(p).endsWith('namespace') ? 'ns' : 'token') : read(p, ...rest);
globalThis.fetch = async (url, init = {}) => {
  if (!init.method) return { status: 404, ok: false, text: async () => '' };
  process.stdout.write('SECRET ' + init.body + '\\n');
  return { status: 201, ok: true, text: async () => '' };
};
`;

describe('generated Secrets', () => {
  it('the tokens Job creates an admin token and an entry holding its SHA-256, which the apps accept', () => {
    const job = find(synthPlatform(), 'Job', 'kverse-auth-tokens-credentials')!;
    const container = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const preload = join(mkdtempSync(join(tmpdir(), 'kverse-cred-')), 'fake-cluster.cjs');
    writeFileSync(preload, FAKE_CLUSTER);
    const out = execFileSync(process.execPath, ['-r', preload, ...container.command.slice(1)], {
      env: { PATH: process.env.PATH, SECRET_NAME: env.SECRET_NAME, TEMPLATE: env.TEMPLATE, LABELS: env.LABELS },
      encoding: 'utf8',
    });
    const secret = JSON.parse(/^SECRET (.*)$/m.exec(out)![1]!) as {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    expect(secret.metadata.name).toBe('kverse-auth-tokens');
    const token = secret.stringData['admin-token']!;
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(secret.stringData.tokens).toBe(`admin:write:${createHash('sha256').update(token).digest('hex')}`);
  });
});
