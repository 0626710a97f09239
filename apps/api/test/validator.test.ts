import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { validatorCompiler } from '../src/plugins/input.js';

const query = Type.Object({ key: Type.String({ minLength: 1 }), limit: Type.Optional(Type.Integer({ minimum: 1 })) });
const compile = (httpPart: string) => validatorCompiler({ schema: query, method: 'GET', url: '/kv', httpPart });

describe('request validation', () => {
  it('passes a query that is already right through as it is, and converts one that needs it', () => {
    const validate = compile('querystring');
    const ok = { key: 'a' };
    expect(validate(ok)).toEqual({ value: ok });
    expect((validate(ok) as { value: unknown }).value).toBe(ok);
    expect(validate({ key: 'a', limit: '5' })).toEqual({ value: { key: 'a', limit: 5 } });
  });

  it('reports what is wrong after trying the conversion, and never converts a body', () => {
    const errors = (r: unknown) => (r as { error: Array<{ instancePath: string }> }).error.map((e) => e.instancePath);
    expect(errors(compile('querystring')({ key: 'a', limit: 'lots' }))).toContain('/limit');
    expect(errors(compile('querystring')({ key: 'a', limit: '0' }))).toContain('/limit');
    expect(errors(compile('body')({ key: 'a', limit: '5' }))).toContain('/limit');
  });
});
