import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated-files.js';

// Writes the CRD manifest and the reference doc; a test fails when they are out of date.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
for (const [path, content] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(resolve(root, path)), { recursive: true });
  writeFileSync(resolve(root, path), content);
  console.log(`wrote ${path}`);
}
