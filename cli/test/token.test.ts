import { createHash } from 'node:crypto';
import { AccessControl, parseTokenEntries } from '@kverse/access';
import { describe, expect, it } from 'vitest';
import { buildTokenCommand } from '../src/commands/token.js';
import { capture } from './capture.js';

async function run(args: string[]) {
  const out = capture();
  const err = capture();
  const command = buildTokenCommand({ out: out.stream, err: err.stream });
  for (const c of [command, ...command.commands]) {
    c.exitOverride().configureOutput({ writeErr: () => undefined });
  }
  await command.parseAsync(args, { from: 'user' });
  return { out: out.text(), err: err.text() };
}

describe('kverse token create', () => {
  it('prints a token and the entry holding only its hash, which a server accepts', async () => {
    const { out, err } = await run(['create', '--id', 'ci', '--scope', 'write']);
    const [, token] = /^token: (\S+)$/m.exec(out) ?? [];
    const [, entry] = /^entry: (\S+)$/m.exec(out) ?? [];
    expect(entry).toBe(`ci:write:${createHash('sha256').update(token!).digest('hex')}`);
    expect(err).toContain('shown only once');
    const access = new AccessControl({ enabled: true, tokens: parseTokenEntries(entry!, 'test') });
    expect(access.check({ need: 'write', authorization: `Bearer ${token}`, address: 'a' })).toBe('ci');
  });

  it('prints JSON on request', async () => {
    const { out } = await run(['create', '--id', 'dash', '--scope', 'read', '--json']);
    expect(JSON.parse(out)).toMatchObject({ id: 'dash', scope: 'read', token: expect.stringMatching(/^kvt_/) });
  });

  it('refuses an unknown scope', async () => {
    await expect(run(['create', '--id', 'x', '--scope', 'admin'])).rejects.toThrow(/admin/);
  });
});
