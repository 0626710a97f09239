import { describe, expect, it } from 'vitest';
import { component, type K8sObject, podSpecOf, synthPlatform } from './support.js';

// Policy checks over the default platform and variants that switch every optional part on or off.
const variants: Record<string, K8sObject[]> = {
  default: synthPlatform(),
  'monitoring on': synthPlatform({
    monitoring: { serviceMonitors: { enabled: true }, dashboards: { enabled: true } },
  }),
  'external services, no autoscaling': synthPlatform({
    cache: { mode: 'external', external: { secretName: 'my-redis' } },
    queue: { mode: 'external', external: { secretName: 'my-amqp' } },
    database: { mode: 'external', external: { secretName: 'my-db', key: 'dsn' } },
    apps: { api: { autoscaling: { enabled: false } }, chat: { autoscaling: { enabled: false } } },
  }),
};

function containersOf(o: K8sObject): K8sObject[] {
  const pod = podSpecOf(o);
  return pod ? [...(pod.initContainers ?? []), ...pod.containers] : [];
}

describe.each(Object.entries(variants))('%s', (_, objects) => {
  const workloads = objects.filter((o) => podSpecOf(o) !== undefined);

  it('runs every container non-root, without privilege escalation, read-only, with no capabilities', () => {
    for (const o of workloads) {
      const pod = podSpecOf(o)!;
      expect(pod.securityContext?.runAsNonRoot, o.metadata.name).toBe(true);
      expect(pod.securityContext?.runAsUser, o.metadata.name).toBeGreaterThan(0);
      for (const c of containersOf(o)) {
        const where = `${o.metadata.name}/${c.name}`;
        expect(c.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('gives every container cpu and memory requests and limits', () => {
    for (const o of workloads) {
      for (const c of containersOf(o)) {
        expect(Object.keys(c.resources?.limits ?? {}), `${o.metadata.name}/${c.name}`).toEqual(
          expect.arrayContaining(['cpu', 'memory']),
        );
        expect(Object.keys(c.resources?.requests ?? {}), `${o.metadata.name}/${c.name}`).toEqual(
          expect.arrayContaining(['cpu', 'memory']),
        );
      }
    }
  });

  it('probes every long-running container for liveness and readiness', () => {
    for (const o of workloads.filter((w) => w.kind !== 'Job')) {
      for (const c of podSpecOf(o)!.containers) {
        expect(c.livenessProbe, `${o.metadata.name}/${c.name}`).toBeDefined();
        expect(c.readinessProbe, `${o.metadata.name}/${c.name}`).toBeDefined();
      }
    }
  });

  it('gives every long-running component a PodDisruptionBudget and every pod a NetworkPolicy', () => {
    const pdbs = new Set(objects.filter((o) => o.kind === 'PodDisruptionBudget').map(component));
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const o of workloads) {
      if (o.kind !== 'Job') expect(pdbs.has(component(o)), `${o.kind} ${o.metadata.name}`).toBe(true);
      const podLabels = o.spec.template.metadata.labels;
      const selected = policies.filter((p) =>
        Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => podLabels[k] === v),
      );
      expect(selected.length, `NetworkPolicy for ${o.kind} ${o.metadata.name}`).toBeGreaterThan(0);
    }
  });

  it('pins every image to a version', () => {
    for (const o of workloads) {
      for (const c of containersOf(o)) {
        expect(c.image, c.name).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
        expect(c.image, c.name).not.toMatch(/:latest$/);
      }
    }
  });

  it('keeps every credential out of the manifests', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/[a-z]+:\/\/[^/\s"@:]+:[^{\s"@]+@/); // a URL with a literal password
    for (const o of workloads) {
      for (const c of containersOf(o)) {
        for (const e of c.env ?? []) {
          // A `*_FILE` variable names a file mounted from a Secret, not the secret itself.
          if (/PASSWORD|TOKEN|COOKIE|_URL$/.test(e.name) && !e.name.endsWith('_FILE')) {
            expect(e.valueFrom?.secretKeyRef, `${c.name} ${e.name}`).toBeDefined();
          }
        }
      }
    }
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      expect(JSON.stringify(cm.data)).not.toMatch(/pass\w*\s*=\s*(?!__)\w/);
    }
  });

  it('turns service links off, so Services never inject KVERSE_* variables the apps reject', () => {
    for (const o of workloads) expect(podSpecOf(o)!.enableServiceLinks, o.metadata.name).toBe(false);
  });
});
