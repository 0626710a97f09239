import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generatedFiles,
  type JsonSchema,
  KVStoreSpecError,
  kvstoreCrd,
  openApiSchema,
  parseKVStoreSpec,
} from '../src/index.js';

const root = resolve(import.meta.dirname, '../../..');

describe('generated files', () => {
  it.each(Object.entries(generatedFiles()))(
    '%s is current (run `npm run generate -w @kverse/crd`)',
    (path, content) => {
      expect(readFileSync(resolve(root, path), 'utf8')).toBe(content);
    },
  );
});

describe('openAPIV3Schema', () => {
  const nodes: Array<[string, JsonSchema]> = [];
  const visit = (node: JsonSchema, path: string) => {
    nodes.push([path, node]);
    for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) {
      visit(child, `${path}.${name}`);
    }
    if (typeof node.items === 'object') visit(node.items as JsonSchema, `${path}[]`);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties as JsonSchema, `${path}{}`);
  };
  visit(openApiSchema(), '');

  it('is structural: every node has a type (or is int-or-string), no const, $id or additionalProperties: false', () => {
    for (const [path, node] of nodes) {
      if (!node['x-kubernetes-int-or-string']) expect(node.type, path).toBeTypeOf('string');
      expect(node, path).not.toHaveProperty('const');
      expect(node, path).not.toHaveProperty('$id');
      expect(node.additionalProperties, path).not.toBe(false);
      if (node.properties) expect(node.additionalProperties, path).toBeUndefined();
    }
  });

  it('describes every spec and status field', () => {
    for (const [path, node] of nodes) {
      if (/^\.(spec|status)\.[^{[]*$/.test(path)) expect(node.description, path).toBeTruthy();
    }
  });

  it('has the printer columns and the status subresource', () => {
    const version = (kvstoreCrd().spec as { versions: Array<Record<string, unknown>> }).versions[0]!;
    expect(version.subresources).toEqual({ status: {} });
    expect((version.additionalPrinterColumns as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'Ready',
      'Phase',
      'API endpoint',
      'Age',
    ]);
  });
});

describe('parseKVStoreSpec', () => {
  it('turns an empty spec into a complete platform', () => {
    const spec = parseKVStoreSpec({});
    expect(spec.apps.api).toMatchObject({
      enabled: true,
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 10 },
    });
    expect(spec.cache.mode).toBe('managed');
    expect(spec.database.managed.storage).toBe('10Gi');
    expect(spec.apps.multicastNode.ordering).toBe('total');
    expect(spec.paused).toBe(false);
  });

  it('keeps what the user set', () => {
    const spec = parseKVStoreSpec({ apps: { chat: { replicas: 5, autoscaling: { enabled: false } } } });
    expect(spec.apps.chat.replicas).toBe(5);
    expect(spec.apps.chat.autoscaling).toMatchObject({ enabled: false, minReplicas: 2 });
  });

  it.each([
    [{ apps: { api: { autoscaling: { minReplicas: 5, maxReplicas: 3 } } } }, 'minReplicas must not exceed maxReplicas'],
    [{ cache: { mode: 'external' as const } }, 'mode external needs external.secretName'],
    [{ version: 'latest' }, 'the tag latest is not reproducible'],
    [{ apps: { api: { resources: { limits: { cpu: '1' } } } } }, 'limits must set cpu and memory'],
    [{ apps: { api: { replicas: -1 } } }, '/apps/api/replicas'],
    [{ database: { managed: { storage: '10 GB' } } }, '/database/managed/storage'],
  ])('rejects %j', (input, message) => {
    expect(() => parseKVStoreSpec(input)).toThrow(KVStoreSpecError);
    expect(() => parseKVStoreSpec(input)).toThrow(message);
  });
});
