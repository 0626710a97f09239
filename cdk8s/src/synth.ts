import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdk8s';
import { KVerseOperatorChart } from './operator.js';
import { KVersePlatform } from './platform.js';

/** Writes the default platform and operator manifests to cdk8s/dist/ (`npm run synth`). */
const outdir = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
mkdirSync(outdir, { recursive: true });
for (const [file, build] of [
  ['kverse.k8s.yaml', (app: App) => new KVersePlatform(app, 'kverse')],
  ['kverse-operator.k8s.yaml', (app: App) => new KVerseOperatorChart(app, 'kverse-operator')],
] as const) {
  const app = new App({ outdir });
  build(app);
  writeFileSync(resolve(outdir, file), app.synthYaml());
  console.log(`wrote ${resolve(outdir, file)}`);
}
