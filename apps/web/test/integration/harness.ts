import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessControl } from '@kverse/access';
import { apiConfigSpec, startApi } from '@kverse/api';
import { type DataPlane, dataPlaneConfigSpec, openEmbeddedDataPlane } from '@kverse/data-plane';
import { createLogger, createMetricsRegistry, parseConfig } from '@kverse/runtime';
import { type Browser, chromium } from 'playwright-core';

const WEB_DIR = fileURLToPath(new URL('../..', import.meta.url));
const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');

/** Debian's Chromium (scripts/test.d/35-chromium.sh installs it); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the UI when no build exists (the test hook builds it before CI runs the tests). */
export function ensureWebBuild(): void {
  if (existsSync(join(WEB_DIST, 'index.html'))) return;
  execFileSync('bash', [join(REPO, 'scripts/build.d/10-web.sh')], { stdio: 'inherit' });
}

export interface UiServer {
  /** Base URL of the API, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The data plane behind the API; it stays open across {@link UiServer.restartApi}. */
  readonly dataPlane: DataPlane;
  /** Stops the REST API as a shutdown does (watch streams end), runs `whileDown`, and starts it on the same port. */
  restartApi(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** The real REST API on the embedded data plane in a temporary directory, serving the built UI at /ui/. */
export async function startUiServer(access?: AccessControl): Promise<UiServer> {
  ensureWebBuild();
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-web-'));
  const logger = createLogger({ name: 'web-test', level: 'silent' });
  const opened = await openEmbeddedDataPlane(
    parseConfig(dataPlaneConfigSpec, { KVERSE_DATA_DIR: dataDir, KVERSE_FSYNC: 'none' }),
    logger,
  );
  const start = (port: number) =>
    startApi(parseConfig(apiConfigSpec, { PORT: String(port), HOST: '127.0.0.1', KVERSE_WEB_ROOT: WEB_DIST }), {
      dataPlane: opened.dataPlane,
      logger,
      metrics: createMetricsRegistry(),
      readiness: opened.readiness,
      ...(access ? { access } : {}),
    });
  let api = await start(0);
  return {
    url: api.url,
    dataPlane: opened.dataPlane,
    async restartApi(whileDown) {
      await api.close();
      await whileDown?.();
      api = await start(api.port);
    },
    async close() {
      await api.close();
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Another client writing over plain HTTP, as curl would. */
export async function httpPut(base: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${base}/kv?wait=applied`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, value }),
  });
  if (!res.ok) throw new Error(`PUT ${key}: ${res.status} ${await res.text()}`);
}

export async function httpDelete(base: string, key: string): Promise<void> {
  const res = await fetch(`${base}/kv?wait=applied&key=${encodeURIComponent(key)}`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`DELETE ${key}: ${res.status} ${await res.text()}`);
}
