import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { createLogger } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { LeaderElector } from '../src/leader-election.js';

describe('LeaderElector', () => {
  it('steps down when a renewal hangs past the renew deadline, instead of leading on unaware', async () => {
    let lease: V1Lease | undefined;
    let hang = false;
    const never = new Promise<never>(() => undefined);
    const coordination = {
      readNamespacedLease: async () => {
        if (hang) return never;
        if (!lease) throw Object.assign(new Error('not found'), { code: 404 });
        return structuredClone(lease);
      },
      createNamespacedLease: async ({ body }: { body: V1Lease }) => {
        lease = { ...body, metadata: { ...body.metadata, resourceVersion: '1' } };
        return lease;
      },
      replaceNamespacedLease: async ({ body }: { body: V1Lease }) => {
        lease = body;
        return lease;
      },
    } as unknown as CoordinationV1Api;
    const events: string[] = [];
    const elector = new LeaderElector({
      coordination,
      namespace: 'ns',
      name: 'lease',
      identity: 'me',
      leaseDurationMs: 1500,
      renewDeadlineMs: 400,
      retryPeriodMs: 50,
      log: createLogger({ name: 'test', level: 'silent' }),
      onStartedLeading: () => events.push('started'),
      onStoppedLeading: () => events.push('stopped'),
    });
    elector.start();
    for (let i = 0; i < 100 && !elector.isLeader; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['started']);
    hang = true;
    const hungAt = Date.now();
    for (let i = 0; i < 200 && elector.isLeader; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['started', 'stopped']);
    // Within the lease duration, so no other replica could have taken the lease while this one still led.
    expect(Date.now() - hungAt).toBeLessThan(1500);
    await elector.stop(false);
  });
});
