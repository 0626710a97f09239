import { parseKVStoreSpec } from '@kverse/crd';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/desired.js';
import { guardScaleDown } from '../src/scale-guard.js';
import { computeStatus, type StatusInput, sameStatus, workloadVerdict } from '../src/status.js';

const workload = (kind: string, name: string, replicas: number, ready: number, gen = 1, seen = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace: 'ns', generation: gen },
  spec: { replicas, volumeClaimTemplates: kind === 'StatefulSet' ? [{}] : undefined },
  status: { observedGeneration: seen, readyReplicas: ready, updatedReplicas: ready },
});

const allWorkloads = (ready: boolean) =>
  new Map(
    [
      ['Deployment', 'api'],
      ['Deployment', 'consumer'],
      ['Deployment', 'grpc-kv'],
      ['Deployment', 'chat'],
      ['StatefulSet', 'multicast-node'],
      ['StatefulSet', 'redis'],
      ['StatefulSet', 'rabbitmq'],
      ['StatefulSet', 'cockroachdb'],
    ].map(([k, c]) => [`${k}/demo-${c}`, workload(k!, `demo-${c}`, 2, ready ? 2 : 1)]),
  );

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  name: 'demo',
  namespace: 'ns',
  generation: 3,
  spec: parseKVStoreSpec({}),
  workloads: allWorkloads(true),
  previous: undefined,
  notes: {},
  now: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

const cond = (s: ReturnType<typeof computeStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe('computeStatus', () => {
  it('is Ready when every workload is ready, with endpoints and secret names', () => {
    const s = computeStatus(input());
    expect(s.phase).toBe('Ready');
    expect(s.observedGeneration).toBe(3);
    expect(cond(s, 'Ready')?.status).toBe('True');
    expect(cond(s, 'ApiReady')?.status).toBe('True');
    expect(cond(s, 'CacheReady')?.status).toBe('True');
    expect(s.endpoints?.api).toBe('http://demo-api.ns.svc:8000');
    expect(s.secrets?.cache).toBe('demo-redis');
  });

  it('is Progressing while a workload is not ready or its controller lags', () => {
    const workloads = allWorkloads(true);
    workloads.set('Deployment/demo-api', workload('Deployment', 'demo-api', 2, 2, 2, 1));
    const s = computeStatus(input({ workloads }));
    expect(s.phase).toBe('Progressing');
    expect(cond(s, 'ApiReady')).toMatchObject({ status: 'False', reason: 'Updating' });
    expect(cond(s, 'Progressing')?.status).toBe('True');
  });

  it('keeps lastTransitionTime while a condition holds, so an unchanged world yields the same status', () => {
    const first = computeStatus(input());
    const again = computeStatus(input({ previous: first, now: new Date('2026-01-02T00:00:00Z') }));
    expect(sameStatus(first, again)).toBe(true);
  });

  it('reports an invalid spec, paused and refused scale-downs', () => {
    expect(computeStatus(input({ spec: undefined, notes: { invalidSpec: 'bad' } }))).toMatchObject({ phase: 'Failed' });
    const paused = computeStatus(input({ notes: { paused: true } }));
    expect(paused.phase).toBe('Paused');
    expect(cond(paused, 'Progressing')?.reason).toBe('Paused');
    const refused = computeStatus(input({ notes: { scaleDownRefused: ['no'] } }));
    expect(cond(refused, 'Degraded')).toMatchObject({ status: 'True', reason: 'ScaleDownRefused' });
  });

  it('drops the condition of a disabled app and marks external services', () => {
    const s = computeStatus(
      input({
        spec: parseKVStoreSpec({
          apps: { chat: { enabled: false } },
          cache: { mode: 'external', external: { secretName: 'r' } },
        }),
      }),
    );
    expect(cond(s, 'ChatReady')).toBeUndefined();
    expect(cond(s, 'CacheReady')).toMatchObject({ status: 'True', reason: 'External' });
    expect(s.endpoints?.chat).toBeUndefined();
  });

  it('judges a missing workload not ready', () => {
    expect(workloadVerdict('Deployment', 'x', undefined).status).toBe('False');
  });
});

describe('guardScaleDown', () => {
  const desired = [workload('StatefulSet', 'demo-redis', 1, 0)];
  it('refuses shrinking a running stateful component unless the annotation allows it', () => {
    const running = () => workload('StatefulSet', 'demo-redis', 3, 3);
    const refused = guardScaleDown(desired, running, {});
    expect(refused.refused).toHaveLength(1);
    // Held whole: applied with its old size, its pod template (made for the new size) would still roll every pod.
    expect([...refused.held]).toEqual([desired[0]]);
    expect(refused.objects).toEqual(desired);
    const allowed = guardScaleDown(desired, running, { 'kverse.dev/allow-scale-down': 'true' });
    expect(allowed.refused).toEqual([]);
    expect(allowed.held.size).toBe(0);
    expect((allowed.objects[0]!.spec as { replicas: number }).replicas).toBe(1);
  });

  it('allows it when nothing runs yet', () => {
    expect(guardScaleDown(desired, () => undefined, {}).refused).toEqual([]);
    expect(guardScaleDown(desired, () => workload('StatefulSet', 'demo-redis', 3, 0), {}).refused).toEqual([]);
  });
});
