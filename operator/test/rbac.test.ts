import { KVerseOperatorChart } from '@kverse/cdk8s';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { clusterRoleRules, type PolicyRule, ruleTriples } from '../src/managed-kinds.js';

describe('RBAC', () => {
  it("the kverse-operator chart's ClusterRole grants exactly what the operator uses", () => {
    const objects = Testing.synth(new KVerseOperatorChart(Testing.app(), 'op')) as Array<{
      kind: string;
      rules?: PolicyRule[];
    }>;
    const role = objects.find((o) => o.kind === 'ClusterRole')!;
    const chart = ruleTriples(role.rules!);
    const operator = ruleTriples(clusterRoleRules());
    expect(
      [...chart].filter((t) => !operator.has(t)),
      'granted but unused',
    ).toEqual([]);
    expect(
      [...operator].filter((t) => !chart.has(t)),
      'used but not granted',
    ).toEqual([]);
  });

  it('the leader-election Role covers Leases', () => {
    const objects = Testing.synth(new KVerseOperatorChart(Testing.app(), 'op')) as Array<{
      kind: string;
      rules?: PolicyRule[];
    }>;
    const role = objects.find((o) => o.kind === 'Role')!;
    const triples = ruleTriples(role.rules!);
    for (const verb of ['get', 'create', 'update'])
      expect(triples.has(`coordination.k8s.io/leases:${verb}`)).toBe(true);
  });
});
