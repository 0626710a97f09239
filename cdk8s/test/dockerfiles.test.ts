import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPS, MULTICAST_NODE } from '../src/index.js';

// No container engine runs here, so each Dockerfile is checked statically: every COPY source exists in the
// repository or is produced by the build stage, and the entry point is a file `tsc -b` emits.
const root = resolve(import.meta.dirname, '../..');
const images = [...Object.values(APPS).map((a) => a.image), MULTICAST_NODE.image];

interface Instruction {
  readonly op: string;
  readonly args: string;
}

function parse(path: string): Instruction[] {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** True when the build stage produces `path`: node_modules from npm ci, `<pkg>/dist` from tsc or a build script. */
function builtByStage(path: string): boolean {
  if (path === 'node_modules') return true;
  const m = /^(.+)\/dist$/.exec(path);
  if (!m) return false;
  const pkg = resolve(root, m[1]!);
  if (existsSync(resolve(pkg, 'tsconfig.json'))) return true;
  const manifest = resolve(pkg, 'package.json');
  return existsSync(manifest) && Boolean(JSON.parse(readFileSync(manifest, 'utf8')).scripts?.build);
}

describe.each(images)('apps/%s/Dockerfile', (image) => {
  const dockerfile = resolve(root, 'apps', image, 'Dockerfile');
  const appReady = existsSync(resolve(root, 'apps', image, 'package.json'));

  it('exists', () => {
    expect(existsSync(dockerfile)).toBe(true);
  });

  // The consumer app is still being written; its Dockerfile is checked once its package exists.
  it.skipIf(!appReady)('copies only files that exist or that the build stage produces', () => {
    const copies = parse(dockerfile).filter((i) => i.op === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const words = copy.args.split(/\s+/).filter((w) => !w.startsWith('--chown'));
      const fromStage = words[0]?.startsWith('--from=');
      const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
      for (const source of sources) {
        const path = fromStage ? source.replace(/^\/src\/?/, '') : source;
        expect(existsSync(resolve(root, path)) || (fromStage && builtByStage(path)), `COPY ${copy.args}`).toBe(true);
      }
    }
  });

  it.skipIf(!appReady)('starts the entry point tsc emits, as a non-root user, without HEALTHCHECK', () => {
    const instructions = parse(dockerfile);
    const cmd = JSON.parse(instructions.findLast((i) => i.op === 'CMD')!.args) as string[];
    expect(cmd).toEqual(['node', `apps/${image}/dist/main.js`]);
    expect(existsSync(resolve(root, 'apps', image, 'src/main.ts')), `apps/${image}/src/main.ts`).toBe(true);
    const tsconfig = readFileSync(resolve(root, 'apps', image, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"rootDir":\s*"src"/);
    expect(tsconfig).toMatch(/"outDir":\s*"dist"/);
    expect(instructions.findLast((i) => i.op === 'USER')?.args).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
    expect(instructions.some((i) => i.op === 'HEALTHCHECK')).toBe(false);
    expect(instructions.find((i) => i.op === 'RUN' && i.args.startsWith('npm ci'))).toBeDefined();
    expect(instructions.find((i) => i.op === 'ARG')?.args).toMatch(/^NODE_IMAGE=node:24-slim$/);
  });
});

it('has one .dockerignore that keeps local builds and dependencies out of the context', () => {
  const ignore = readFileSync(resolve(root, '.dockerignore'), 'utf8').split('\n');
  expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  expect(ignore).not.toContain('package-lock.json');
});
