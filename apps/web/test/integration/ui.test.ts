import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpDelete, httpPut, launchChromium, startUiServer, type UiServer } from './harness.js';

/** Polls until the assertion holds; the machine may be busy, so allow more than vitest's default second. */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });

/**
 * Where the main-screen screenshot goes: a temporary file, or the path in KVERSE_WEB_SCREENSHOT (docs/web-ui.png
 * refreshes the README's picture).
 */
const SCREENSHOT = process.env.KVERSE_WEB_SCREENSHOT
  ? fileURLToPath(new URL(`../../../../${process.env.KVERSE_WEB_SCREENSHOT}`, import.meta.url))
  : join(tmpdir(), `kverse-web-ui-${process.pid}.png`);

describe('web UI in Chromium', () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterEach(async () => {
    await page.close();
  });

  /** Opens the UI and waits until its watch is live, so later writes by others must arrive through it. */
  async function open(path = '/ui/'): Promise<void> {
    await page.goto(server.url + path);
    await eventually(() => page.getByTestId('watch-state').textContent()).toBe('Live');
  }

  /**
   * Lists only `prefix` and waits for its (new) watch. Other tests' keys can fill the first page, and a new key after
   * the last loaded row is left to "Load more", so tests that expect keys to appear narrow the listing first.
   */
  async function search(prefix: string): Promise<void> {
    await page.getByLabel('Prefix').fill(prefix);
    await page.keyboard.press('Enter');
    await eventually(() => page.getByText(`under “${prefix}”`).count()).toBe(1);
    await eventually(() => page.getByTestId('watch-state').textContent()).toBe('Live');
  }

  const keyButton = (key: string) =>
    page.getByRole('list', { name: 'Keys found' }).getByRole('button', { name: new RegExp(`^${escapeRegExp(key)} v`) });

  it('serves the UI at /ui and shows health, readiness and the live connection', async () => {
    await open('/ui');
    await eventually(() => page.getByTestId('health').textContent()).toBe('ok');
    await eventually(() => page.getByTestId('ready').textContent()).toBe('ready');
    expect(await page.title()).toBe('KVerse');
  });

  it('creates, edits and deletes a key, with applied state and confirmation', async () => {
    await open();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill('crud/config');
    await page.getByLabel('Value').fill('{"replicas":3,"zones":["a","b"]}');
    await page.getByRole('button', { name: 'Save' }).click();

    await eventually(() => page.getByTestId('write-state').textContent()).toMatch(/Saved crud\/config.*applied/);
    // JSON is pretty-printed.
    expect(await page.getByTestId('value').textContent()).toBe(
      '{\n  "replicas": 3,\n  "zones": [\n    "a",\n    "b"\n  ]\n}',
    );
    await eventually(() => keyButton('crud/config').count()).toBe(1);
    const firstVersion = await page.getByTestId('version').textContent();

    await page.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByLabel('Key', { exact: true }).inputValue()).toBe('crud/config');
    await page.getByLabel('Value').fill('plain text now');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('value').textContent()).toBe('plain text now');
    const secondVersion = (await page.getByTestId('version').textContent()) ?? '0';
    expect(BigInt(secondVersion)).toBeGreaterThan(BigInt(firstVersion ?? '0'));
    const stored = await (await fetch(`${server.url}/kv?key=crud/config`)).json();
    expect(stored).toMatchObject({ value: 'plain text now', version: secondVersion });

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Delete the key “crud/config”?');
    // Cancelling with Escape keeps the key.
    await page.keyboard.press('Escape');
    await eventually(() => dialog.count()).toBe(0);
    expect((await fetch(`${server.url}/kv?key=crud/config`)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    // The watch can remove the row before the DELETE's answer names the write, so both are awaited.
    await eventually(() => page.getByTestId('write-state').textContent()).toMatch(/Deleted crud\/config.*applied/);
    expect(await keyButton('crud/config').count()).toBe(0);
    expect((await fetch(`${server.url}/kv?key=crud/config`)).status).toBe(404);
  });

  it('searches by prefix and pages with the cursor', async () => {
    await Promise.all([
      ...Array.from({ length: 55 }, (_, i) => httpPut(server.url, `page/${String(i).padStart(2, '0')}`, `v${i}`)),
      httpPut(server.url, 'other/one', '1'),
    ]);
    await open();
    await page.getByLabel('Prefix').fill('page/');
    await page.keyboard.press('Enter');
    // The old rows leave at once; the first page of page/ replaces them when it comes.
    await eventually(() => keyButton('page/00').count()).toBe(1);
    expect(await keyButton('other/one').count()).toBe(0);
    const rows = page.getByRole('list', { name: 'Keys found' }).getByRole('button');
    expect(await rows.count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(() => rows.count()).toBe(55);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await keyButton('page/54').count()).toBe(1);
  });

  it('updates the list and the open key live when another client writes over HTTP', async () => {
    await open();
    await search('live/');
    await httpPut(server.url, 'live/a', 'one');
    // No reload: the watch delivers it.
    await eventually(() => keyButton('live/a').count()).toBe(1);
    await eventually(() => page.getByTestId('live-feed').textContent()).toContain('live/a');

    await keyButton('live/a').click();
    await eventually(() => page.getByTestId('value').textContent()).toBe('one');
    // Another client using curl (asynchronously: the API serves from this very process).
    await promisify(execFile)('curl', [
      '-sS',
      '-X',
      'PUT',
      '-H',
      'content-type: application/json',
      '--data',
      '{"key":"live/a","value":"{\\"n\\":2}"}',
      '--fail-with-body',
      `${server.url}/kv?wait=applied`,
    ]);
    await eventually(() => page.getByTestId('value').textContent()).toBe('{\n  "n": 2\n}');
    expect(await page.getByRole('status').filter({ hasText: 'Updated live' }).count()).toBe(1);

    await httpDelete(server.url, 'live/a');
    await eventually(() => keyButton('live/a').count()).toBe(0);
    await eventually(() => page.getByText(/Deleted at/).count()).toBe(1);
  });

  it('keeps a change the watch delivered while a list page read before it was on its way', async () => {
    await open();
    // Hold every listing of race/: read it now (before the write below), deliver it only after the watch has shown
    // the write.
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const held: Array<Promise<void>> = [];
    await page.route(/\/kv\?prefix=race/, (route) => {
      held.push(
        (async () => {
          const stale = await route.fetch();
          await released;
          await route.fulfill({ response: stale });
        })(),
      );
    });
    await page.getByLabel('Prefix').fill('race/');
    await page.keyboard.press('Enter');
    // Two listings: the new prefix's, and the one the watch asks for once it is live (so it is live now).
    await eventually(() => held.length).toBe(2);
    await httpPut(server.url, 'race/a', 'new');
    await eventually(() => page.getByTestId('live-feed').textContent()).toContain('race/a');
    release();
    await Promise.all(held);
    await page.unroute(/\/kv\?prefix=race/);
    // The pages, read before the write, have been shown by now: the key the watch delivered meanwhile is listed.
    await eventually(() => page.getByText('under “race/”').count()).toBe(1);
    await page.waitForTimeout(200);
    expect(await keyButton('race/a').count()).toBe(1);
  });

  /** Holds every listing whose URL matches `pattern` until the returned `release` is called. */
  async function holdListings(pattern: RegExp) {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const held: Array<Promise<void>> = [];
    await page.route(pattern, (route) => {
      held.push(
        (async () => {
          const response = await route.fetch();
          await released;
          await route.fulfill({ response });
        })(),
      );
    });
    return {
      held,
      release: async () => {
        release();
        await Promise.all(held);
        await page.unroute(pattern);
      },
    };
  }

  it('clears the rows of the previous prefix at once, and ignores an earlier search that answers last', async () => {
    await httpPut(server.url, 'order-quick/b', '1');
    await httpPut(server.url, 'order-slow/a', '1');
    await open();
    await search('order-quick/');
    await eventually(() => keyButton('order-quick/b').count()).toBe(1);

    // A search whose listing is held: the old rows leave before its page comes.
    const slow = await holdListings(/\/kv\?prefix=order-slow/);
    await page.getByLabel('Prefix').fill('order-slow/');
    await page.keyboard.press('Enter');
    await eventually(() => slow.held.length).toBeGreaterThan(0);
    await eventually(() => keyButton('order-quick/b').count()).toBe(0);

    // Another search answers first; the held one then answers, too late to replace it.
    await search('order-quick/');
    await eventually(() => keyButton('order-quick/b').count()).toBe(1);
    await slow.release();
    await page.waitForTimeout(300);
    expect(await keyButton('order-slow/a').count()).toBe(0);
    expect(await keyButton('order-quick/b').count()).toBe(1);
    expect(await page.getByText('under “order-quick/”').count()).toBe(1);
  });

  it('asks before a save would replace a change someone else made meanwhile, and overwrites only when told', async () => {
    const stored = async (key: string) => (await (await fetch(`${server.url}/kv?key=${key}`)).json()).value;
    await httpPut(server.url, 'conflict/a', 'one');
    await open();
    await search('conflict/');
    await keyButton('conflict/a').click();
    await eventually(() => page.getByTestId('value').textContent()).toBe('one');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Value').fill('mine');
    // Someone else writes while the editor is open.
    await httpPut(server.url, 'conflict/a', 'theirs');
    await eventually(() => page.getByText(/asks before replacing it/).count()).toBe(1);
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('conflict').textContent()).toMatch(/changed by someone else.*Nothing/);
    expect(await stored('conflict/a')).toBe('theirs');
    // The editor still holds my value; overwriting saves it.
    expect(await page.getByLabel('Value').inputValue()).toBe('mine');
    await page.getByRole('button', { name: 'Overwrite with mine' }).click();
    await eventually(() => page.getByTestId('value').textContent()).toBe('mine');
    expect(await stored('conflict/a')).toBe('mine');

    // Creating a key that someone else created meanwhile: asked again; discarding shows theirs and writes nothing.
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill('conflict/b');
    await page.getByLabel('Value').fill('mine too');
    await httpPut(server.url, 'conflict/b', 'first');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('conflict').textContent()).toMatch(/created by someone else/);
    await page.getByRole('button', { name: 'Discard mine' }).click();
    await eventually(() => page.getByTestId('value').textContent()).toBe('first');
    expect(await stored('conflict/b')).toBe('first');
  });

  it('saves a key with a TTL, shows when it expires, and drops an expiring key live once it has', async () => {
    await open();
    await search('ttl/');
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill('ttl/ui');
    await page.getByLabel('Value').fill('short-lived');
    await page.getByLabel('Expire after (seconds, optional)').fill('600');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByTestId('expires').count()).toBe(1);
    const stored = (await (await fetch(`${server.url}/kv?key=ttl/ui`)).json()) as { expiresAt: string };
    expect(Date.parse(stored.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect(await page.getByTestId('expires').locator('time').getAttribute('datetime')).toBe(stored.expiresAt);

    // Another client writes a key that lives one second: it appears, then the expiry sweep's delete removes it.
    const res = await fetch(`${server.url}/kv?wait=applied`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'ttl/brief', value: 'x', ttl: 1 }),
    });
    expect(res.status).toBe(200);
    await eventually(() => keyButton('ttl/brief').count()).toBe(1);
    await eventually(() => keyButton('ttl/brief').count()).toBe(0);
    expect(await keyButton('ttl/ui').count()).toBe(1);
  });

  it('shows the watch reconnecting across an API restart and resumes without missing a change', async () => {
    await open();
    // Written before the watch starts, so the watch sees no change before the restart: it resumes from where it
    // started (the stream's opening id), not from an event.
    await httpPut(server.url, 'resume/a', 'before');
    await search('resume/');
    await eventually(() => keyButton('resume/a').count()).toBe(1);
    await server.restartApi(async () => {
      await eventually(() => page.getByTestId('watch-state').textContent()).toMatch(/Reconnecting|Disconnected/);
      // Written while no API serves: only a resumed watch (Last-Event-ID) or a reload can show it.
      await server.dataPlane.put('resume/b', 'while down', { waitAppliedMs: 5000 });
    });
    await eventually(() => keyButton('resume/b').count()).toBe(1);
    await eventually(() => page.getByTestId('watch-state').textContent()).toBe('Live');
    await httpPut(server.url, 'resume/c', 'after');
    await eventually(() => keyButton('resume/c').count()).toBe(1);
  });

  it('writes without ?wait=applied when asked, and shows a pending write turning applied through the watch', async () => {
    await open();
    // The embedded data plane applies before it answers; answer `pending` as a queued data plane would.
    await page.route(/\/kv(\?.*)?$/, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), status: 'pending' } });
    });
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill('async/k');
    await page.getByLabel('Value').fill('later');
    await page.getByLabel(/Wait until applied/).uncheck();
    const answer = page.waitForResponse((r) => r.request().method() === 'PUT');
    await page.getByRole('button', { name: 'Save' }).click();
    const res = await answer;
    expect(res.url()).not.toContain('wait=applied');
    expect(res.status()).toBe(202);
    await eventually(() => page.getByTestId('write-state').textContent()).toMatch(/Saved async\/k.*: applied/);
    await eventually(() => page.getByTestId('live-feed').textContent()).toContain('async/k');
  });

  it("shows the API's validation message for a key over 1024 bytes", async () => {
    const key = 'k'.repeat(1025);
    const direct = await fetch(`${server.url}/kv`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, value: 'x' }),
    });
    const { error } = (await direct.json()) as { error: { code: string; message: string } };
    expect(direct.status).toBeGreaterThanOrEqual(400);

    await open();
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill(key);
    await page.getByLabel('Value').fill('x');
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await eventually(() => alert.textContent()).toContain(error.message);
    expect(await alert.textContent()).toContain(error.code);
    expect(await alert.textContent()).toContain(`Error ${direct.status}`);
  });

  it('is usable with the keyboard and switches theme', async () => {
    await httpPut(server.url, 'kbd/x', 'hello');
    await open();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('prefix');
    await page.keyboard.type('kbd/');
    await page.keyboard.press('Enter');
    await eventually(() => keyButton('kbd/x').count()).toBe(1);
    await keyButton('kbd/x').focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('value').textContent()).toBe('hello');

    const theme = page.getByRole('button', { name: /^Theme:/ });
    await theme.click();
    await eventually(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await theme.click();
    await eventually(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 20, 25)');
  });

  it('follows prefers-color-scheme and stacks the panels on a narrow screen', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await open();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 20, 25)');
    const keys = await page.getByRole('heading', { name: 'Keys', exact: true }).boundingBox();
    const feed = await page.getByRole('heading', { name: 'Live changes' }).boundingBox();
    expect(feed && keys && feed.y > keys.y && Math.abs(feed.x - keys.x) < 5).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('renders the main screen with a value and the live feed, and takes its screenshot', async () => {
    await httpPut(server.url, 'app/config', '{"replicas":3,"region":"eu-west-1","features":{"watch":true}}');
    await httpPut(server.url, 'app/feature-flags', '{"darkMode":true,"beta":["sse","wait-applied"]}');
    await httpPut(server.url, 'user/1001', '{"name":"Ada","role":"admin"}');
    await httpPut(server.url, 'user/1002', '{"name":"Grace","role":"operator"}');
    await open();
    await keyButton('app/config').click();
    await httpPut(server.url, 'user/1003', '{"name":"Linus","role":"viewer"}');
    await eventually(() => page.getByTestId('live-feed').textContent()).toContain('user/1003');
    await page.screenshot({ path: SCREENSHOT });
    const png = await readFile(SCREENSHOT);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
