import { parseKVStoreSpec } from '@kverse/crd';
import { createLogger } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { desiredObjects, type KubeObject } from '../src/desired.js';
import type { EventRecorder } from '../src/events.js';
import type { KubeClients } from '../src/kube.js';
import { type ObservedState, Reconciler } from '../src/reconciler.js';
import type { OperatorStatus } from '../src/status.js';

/** A fake API server holding one KVStore: records every write, answers reads from `store`. */
function harness(spec: unknown, observed: KubeObject[] = []) {
  const store: KubeObject & { spec: unknown; status?: OperatorStatus } = {
    apiVersion: 'kverse.dev/v1alpha1',
    kind: 'KVStore',
    metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 4, resourceVersion: '10' },
    spec,
  };
  const writes: Array<{ method: string; path: string }> = [];
  const events: string[] = [];
  const raw = {
    get: async () => structuredClone(store),
    request: async (method: string, path: string, opts: { body?: { status?: OperatorStatus } } = {}) => {
      writes.push({ method, path });
      if (path.endsWith('/status')) store.status = opts.body?.status;
      if (method !== 'PATCH') return {};
      // An apply's answer: the object with its generation raised, its controller not caught up yet.
      const body = opts.body as unknown as KubeObject;
      const seen = observed.find((o) => o.kind === body.kind && o.metadata.name === body.metadata.name);
      const generation = (seen?.metadata.generation ?? 0) + 1;
      return { ...body, metadata: { ...body.metadata, generation }, status: seen?.status ?? {} };
    },
  };
  const kube = { raw } as unknown as KubeClients;
  const state: ObservedState = {
    get: (apiVersion, kind, _ns, name) =>
      observed.find((o) => o.apiVersion === apiVersion && o.kind === kind && o.metadata.name === name),
    ownedBy: () => observed,
  };
  const recorder = { record: async (_s: unknown, _t: string, reason: string) => void events.push(reason) };
  const reconciler = new Reconciler(
    kube,
    state,
    recorder as unknown as EventRecorder,
    createLogger({ name: 'test', level: 'silent' }),
  );
  return { reconciler, store, writes, events };
}

describe('Reconciler', () => {
  it('reports a stored spec that fails the schema in status, without throwing or applying anything', async () => {
    const h = harness({ apps: { api: { replicas: 'many' } } });
    const result = await h.reconciler.reconcile('ns', 'demo');
    expect(result.statusWritten).toBe(true);
    expect(h.writes.map((w) => w.method)).toEqual(['PUT']);
    expect(h.store.status?.phase).toBe('Failed');
    const degraded = h.store.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded?.message).toContain('KV_ERR_OPERATOR_INVALID_SPEC');
    expect(degraded?.message).toContain('/apps/api/replicas');
    expect(h.events).toEqual(['Failed']);
    // Again: same status, so no write and no Event.
    await h.reconciler.reconcile('ns', 'demo');
    expect(h.writes).toHaveLength(1);
    expect(h.events).toHaveLength(1);
  });

  it('changes nothing but status while paused', async () => {
    const h = harness({ paused: true });
    await h.reconciler.reconcile('ns', 'demo');
    expect(h.writes.every((w) => w.path.endsWith('/status'))).toBe(true);
    expect(h.store.status?.phase).toBe('Paused');
    expect(h.events).toEqual(['Paused']);
  });

  it('does not report Ready for a change its workloads have not rolled out yet', async () => {
    // Everything runs, ready, as the previous version; the KVStore now asks for another one.
    const owner = { name: 'demo', namespace: 'ns', uid: 'u1' };
    const running = desiredObjects(owner, parseKVStoreSpec({ version: '0.9.0' }))
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .map((o) => {
        const replicas = (o.spec as { replicas?: number }).replicas ?? 1;
        return {
          ...o,
          metadata: { ...o.metadata, generation: 1 },
          status: { observedGeneration: 1, replicas, readyReplicas: replicas, updatedReplicas: replicas },
        };
      });
    const h = harness({ version: '1.0.0' }, running);
    await h.reconciler.reconcile('ns', 'demo');
    expect(h.writes.some((w) => w.method === 'PATCH' && w.path.includes('deployments'))).toBe(true);
    expect(h.store.status?.observedGeneration).toBe(4);
    expect(h.store.status?.phase).not.toBe('Ready');
    expect(h.store.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('deletes a Job that failed for good so it runs again, and says so', async () => {
    const owner = { name: 'demo', namespace: 'ns', uid: 'u1' };
    const jobs = desiredObjects(owner, parseKVStoreSpec({})).filter((o) => o.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    const failed = {
      ...jobs[0]!,
      status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    };
    const h = harness({}, [failed]);
    await expect(h.reconciler.reconcile('ns', 'demo')).rejects.toThrow(/failed \(BackoffLimitExceeded\); deleted/);
    expect(h.writes).toContainEqual({
      method: 'DELETE',
      path: expect.stringContaining(`/jobs/${failed.metadata.name}`),
    });
    expect(h.writes.some((w) => w.method === 'PATCH' && w.path.includes(`/jobs/${failed.metadata.name}`))).toBe(false);
  });

  it('applies every desired object when nothing exists, with server-side apply', async () => {
    const h = harness({});
    await h.reconciler.reconcile('ns', 'demo');
    const applies = h.writes.filter((w) => w.method === 'PATCH');
    expect(applies.length).toBeGreaterThan(40);
    expect(h.store.status?.observedGeneration).toBe(4);
    expect(h.store.status?.phase).toBe('Pending');
  });
});
