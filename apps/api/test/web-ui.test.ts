import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUiPlugin } from '../src/plugins/web-ui.js';
import { openTestApi, type TestApi } from './helpers.js';

describe('web UI at /ui/', () => {
  let webRoot: string;
  let api: TestApi;

  beforeAll(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'kverse-web-root-'));
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>KVerse</title>');
    await writeFile(join(webRoot, 'assets', 'app-abc123.js'), 'console.log(1)');
    api = await openTestApi({ KVERSE_WEB_ROOT: webRoot });
  });
  afterAll(async () => {
    await api.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  it.each(['/ui', '/ui/', '/ui/index.html'])('%s serves index.html, revalidated', async (url) => {
    const res = await api.app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<title>KVerse</title>');
  });

  it('serves hashed assets as immutable', async () => {
    const res = await api.app.inject({ url: '/ui/assets/app-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('answers a missing file with the JSON 404 and never leaves the folder', async () => {
    for (const url of ['/ui/missing.js', '/ui/../package.json', '/ui/%2e%2e/package.json']) {
      const res = await api.app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('"name"');
    }
  });

  it('refuses a configured web root without index.html', async () => {
    const app = Fastify();
    await app
      .register(webUiPlugin, { webRoot: join(webRoot, 'assets') })
      .ready()
      .then(
        () => expect.unreachable('a web root without index.html must be refused'),
        (err: Error) => expect(err.message).toMatch(/index\.html/),
      );
    await app.close();
  });
});
