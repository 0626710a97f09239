import { parseKVStoreSpec } from '@kverse/crd';
import { describe, expect, it } from 'vitest';
import { controllingKVStore, desiredObjects, INSTANCE_LABEL, MANAGED_BY_LABEL, objectKey } from '../src/desired.js';
import { managedKind } from '../src/managed-kinds.js';
import { isSubset } from '../src/subset.js';

const owner = { name: 'demo', namespace: 'team-a', uid: '1234' };

describe('desiredObjects', () => {
  const objects = desiredObjects(owner, parseKVStoreSpec({}));

  it('stamps every object with the namespace, labels and a controller owner reference', () => {
    expect(objects.length).toBeGreaterThan(40);
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('team-a');
      expect(o.metadata.labels?.[MANAGED_BY_LABEL]).toBe('kverse-operator');
      expect(o.metadata.labels?.[INSTANCE_LABEL]).toBe('demo');
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'kverse.dev/v1alpha1',
          kind: 'KVStore',
          name: 'demo',
          uid: '1234',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(controllingKVStore(o)).toBe('team-a/demo');
    }
  });

  it('produces only kinds the operator watches and is allowed to manage', () => {
    for (const o of objects) expect(managedKind(o.apiVersion, o.kind), `${o.apiVersion} ${o.kind}`).toBeDefined();
    expect(new Set(objects.map(objectKey)).size).toBe(objects.length);
  });

  it('follows spec.auth: the generated tokens Secret by default, your own Secret when referenced', () => {
    const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'demo-auth-tokens-credentials');
    expect(job).toBeDefined();
    const own = desiredObjects(owner, parseKVStoreSpec({ auth: { tokensSecretRef: { name: 'team-tokens' } } }));
    expect(own.find((o) => o.metadata.name === 'demo-auth-tokens-credentials')).toBeUndefined();
    const api = own.find((o) => o.kind === 'Deployment' && o.metadata.name === 'demo-grpc-kv')!;
    expect(JSON.stringify(api.spec)).toContain('"secretName":"team-tokens"');
    expect(JSON.stringify(api.spec)).toContain('{"name":"KVERSE_AUTH_ENABLED","value":"true"}');
  });

  it('leaves replicas to the autoscaler and drops objects of a disabled app', () => {
    const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'demo-api')!;
    expect((api.spec as Record<string, unknown>).replicas).toBeUndefined();
    const fewer = desiredObjects(owner, parseKVStoreSpec({ apps: { chat: { enabled: false } } }));
    expect(fewer.some((o) => o.metadata.name === 'demo-chat')).toBe(false);
    expect(objects.some((o) => o.metadata.name === 'demo-chat')).toBe(true);
  });

  it('references an external cache instead of deploying Redis', () => {
    const external = desiredObjects(
      owner,
      parseKVStoreSpec({ cache: { mode: 'external', external: { secretName: 'my-redis' } } }),
    );
    expect(external.some((o) => o.metadata.name === 'demo-redis')).toBe(false);
    expect(JSON.stringify(external)).toContain('my-redis');
  });
});

describe('isSubset', () => {
  it('ignores fields only the observed object has, compares arrays element-wise', () => {
    expect(isSubset({ a: 1, b: [{ c: 'x' }] }, { a: 1, z: 2, b: [{ c: 'x', d: 'default' }] })).toBe(true);
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ b: [1, 2] }, { b: [1] })).toBe(false);
    expect(isSubset({ a: { b: 1 } }, {})).toBe(false);
    expect(isSubset({ a: '1' }, { a: 1 })).toBe(false);
  });
});
