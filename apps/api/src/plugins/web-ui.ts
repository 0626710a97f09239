import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { markPublic } from './access.js';

/** The apps/web build next to this app in the repository (from src/plugins or dist/plugins alike). */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface WebUiOptions {
  /** Folder of the built web UI; @default apps/web/dist when it holds an index.html */
  readonly webRoot?: string | undefined;
}

/**
 * Serves the single-page web UI at `/ui/` (and `/ui`). An explicitly configured folder must exist; the default one
 * is optional, so the API also runs where the UI was never built (containers of the API alone, unit tests).
 */
export async function webUiPlugin(app: FastifyInstance, { webRoot }: WebUiOptions): Promise<void> {
  // The UI is public (its page asks for a token when the API answers 401); the static routes cannot declare it.
  markPublic(app);
  const root = resolve(webRoot ?? DEFAULT_WEB_ROOT);
  if (!existsSync(resolve(root, 'index.html'))) {
    if (webRoot !== undefined) throw new Error(`KVERSE_WEB_ROOT ${root} holds no index.html`);
    app.log.debug({ root }, 'web UI not built; /ui/ is not served');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    setHeaders: (reply, path) => {
      // Vite names assets by content hash, so they never change; index.html must be revalidated to pick up a new build.
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The router ignores trailing slashes, so `/ui/` arrives here too rather than at the `/ui/*` wildcard.
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
}
