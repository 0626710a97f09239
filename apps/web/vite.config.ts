import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Served by apps/api under /ui/ (see apps/api/src/plugins/web-ui.ts). `vite` (dev) proxies the API to :8000.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    proxy: Object.fromEntries(
      ['/kv', '/health', '/ready'].map((path) => [path, { target: 'http://127.0.0.1:8000', changeOrigin: false }]),
    ),
  },
});
