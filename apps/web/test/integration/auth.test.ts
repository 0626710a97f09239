import { AccessControl, createToken, parseTokenEntries } from '@kverse/access';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startUiServer, type UiServer } from './harness.js';

const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });

const writer = createToken('browser', 'write');

// The UI is public; the API behind it asks for a token, which the page asks the user for once and keeps.
describe('web UI with auth on', () => {
  let server: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    const access = new AccessControl({ enabled: true, tokens: parseTokenEntries(writer.entry, 'test') });
    [server, browser] = await Promise.all([startUiServer(access), launchChromium()]);
    const seed = await fetch(`${server.url}/kv?wait=applied`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.token}` },
      body: JSON.stringify({ key: 'auth/seeded', value: 'v' }),
    });
    expect(seed.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for a token on 401, then lists keys and watches live with it; a reload does not ask again', async () => {
    const page = await browser.newPage();
    const prompts: string[] = [];
    page.on('dialog', (dialog) => {
      prompts.push(dialog.message());
      void dialog.accept(writer.token);
    });
    await page.goto(`${server.url}/ui/`);
    await eventually(() => page.getByText('auth/seeded').count()).toBeGreaterThan(0);
    await eventually(() => page.getByTestId('watch-state').textContent()).toBe('Live');
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('requires a bearer token');

    await page.reload();
    await eventually(() => page.getByTestId('watch-state').textContent()).toBe('Live');
    await eventually(() => page.getByText('auth/seeded').count()).toBeGreaterThan(0);
    expect(prompts).toHaveLength(1);
    await page.close();
  });
});
