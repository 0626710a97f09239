import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { assertNoUnknownVariables, ConfigError, defineConfig, parseConfig, setting } from '../src/config.js';

const spec = defineConfig({
  port: setting('PORT', Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }), 'REST port'),
  verbose: setting('KVERSE_VERBOSE', Type.Boolean({ default: false }), 'chatty logs'),
  peers: setting('KVERSE_PEERS', Type.Array(Type.String(), { default: [] }), 'peer list'),
  databaseUrl: setting('DATABASE_URL', Type.Optional(Type.String({ pattern: '^postgres' })), 'database', true),
  mode: setting('KVERSE_MODE', Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }), 'mode'),
});

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults and converts strings to the declared types', () => {
    expect(parseConfig(spec, {})).toEqual({ port: 8000, verbose: false, peers: [], databaseUrl: undefined, mode: 'a' });
    const config = parseConfig(spec, {
      PORT: '9000',
      KVERSE_VERBOSE: 'yes',
      KVERSE_PEERS: 'a:1, b:2',
      KVERSE_MODE: 'b',
    });
    expect(config).toMatchObject({ port: 9000, verbose: true, peers: ['a:1', 'b:2'], mode: 'b' });
  });

  it('reports every invalid variable by name, hiding secrets', () => {
    const found = problems(() =>
      parseConfig(spec, { PORT: '70000', KVERSE_VERBOSE: 'maybe', DATABASE_URL: 'mysql://pw' }),
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^PORT="70000" is invalid/);
    expect(found[1]).toMatch(/^KVERSE_VERBOSE/);
    expect(found[2]).toMatch(/^DATABASE_URL=\(value hidden\)/);
    expect(found.join()).not.toContain('mysql://pw');
  });

  it('flags unknown KVERSE_ variables so typos are not silently ignored', () => {
    expect(problems(() => assertNoUnknownVariables({ KVERSE_VERBOSE: '1', KVERSE_VERBSE: '1' }, [spec]))).toEqual([
      'KVERSE_VERBSE is not a KVerse setting (misspelt?)',
    ]);
  });
});
