import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The checked-in src/generated/ must be exactly what scripts/generate.sh makes from proto/chat/v1/chat.proto.
const app = fileURLToPath(new URL('..', import.meta.url));
const fresh = mkdtempSync(join(tmpdir(), 'kverse-chat-gen-'));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('generated protobuf types', () => {
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('are up to date with proto/chat/v1/chat.proto (run: npm run generate -w apps/chat)', () => {
    execFileSync('bash', [join(app, 'scripts/generate.sh'), fresh], { stdio: 'pipe' });
    const checkedIn = join(app, 'src/generated');
    expect(files(checkedIn)).toEqual(files(fresh));
    for (const file of files(fresh)) {
      expect(readFileSync(join(checkedIn, file), 'utf8'), file).toBe(readFileSync(join(fresh, file), 'utf8'));
    }
  });
});
