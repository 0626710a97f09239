import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartFiles } from './chart-files.js';

// Regenerates charts/kverse and charts/kverse-operator (the CRD in charts/kverse-operator/crds comes from
// packages/crd). A test fails when the committed charts differ from what this writes.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
for (const chart of ['charts/kverse/templates', 'charts/kverse-operator/templates']) {
  rmSync(resolve(root, chart), { recursive: true, force: true });
}
for (const [path, content] of Object.entries(chartFiles())) {
  mkdirSync(dirname(resolve(root, path)), { recursive: true });
  writeFileSync(resolve(root, path), content);
}
console.log('wrote charts/kverse and charts/kverse-operator');
