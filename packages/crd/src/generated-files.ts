import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { kvstoreCrd } from './crd-manifest.js';
import { kvstoreReferenceDoc } from './reference-doc.js';

/** Repository path of the generated CRD manifest (the operator chart ships it from its crds/ folder). */
export const CRD_PATH = 'charts/kverse-operator/crds/kvstores.kverse.dev.yaml';
export const REFERENCE_DOC_PATH = 'docs/kvstore-api.md';

const HEADER = '# Generated from packages/crd/src by `npm run generate -w @kverse/crd`; do not edit.\n';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every file generated from the schema, by repository path. */
export function generatedFiles(): Record<string, string> {
  return {
    [CRD_PATH]: HEADER + stringify(kvstoreCrd(), { lineWidth: 0 }),
    [REFERENCE_DOC_PATH]: formatMarkdown(REFERENCE_DOC_PATH, kvstoreReferenceDoc()),
  };
}

/** The repository's formatter owns Markdown layout (table alignment); generated docs go through it too. */
function formatMarkdown(path: string, text: string): string {
  return execFileSync(resolve(REPO_ROOT, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${path}`], {
    cwd: REPO_ROOT,
    input: text,
    encoding: 'utf8',
  });
}
