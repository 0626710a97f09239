import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { chartFiles } from '../src/charts/chart-files.js';
import { defaultPlatformValues, type Values, valuesToSpec } from '../src/charts/values.js';
import { KVerseOperatorChart, KVersePlatform } from '../src/index.js';
import type { K8sObject } from './support.js';
import { clusterTool } from './tools.js';

const root = resolve(import.meta.dirname, '../..');
const helm = clusterTool('helm');

function helmTemplate(chart: string, values: Values = {}, extra: string[] = [], release = 'kverse'): K8sObject[] {
  const file = join(mkdtempSync(join(tmpdir(), 'kverse-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  const out = execFileSync(helm, ['template', release, resolve(root, chart), '-f', file, ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
const sorted = (objects: K8sObject[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)));

function synthFor(values: Values): K8sObject[] {
  const merged = deepMerge(defaultPlatformValues(), values);
  return Testing.synth(new KVersePlatform(Testing.app(), 'kverse', { name: 'kverse', spec: valuesToSpec(merged) }));
}

function deepMerge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object'
        ? deepMerge(b as Values, v as Values)
        : v;
  }
  return out;
}

describe('generated charts', () => {
  it.each(Object.entries(chartFiles()))('%s is current (run `npm run charts -w @kverse/cdk8s`)', (path, content) => {
    expect(readFileSync(resolve(root, path), 'utf8')).toBe(content);
  });
});

describe('charts/kverse', () => {
  // Each set of values must render exactly the objects KVersePlatform synthesises for the matching spec.
  const cases: Record<string, Values> = {
    'default values': {},
    'auth off': { auth: { enabled: false } },
    'own tokens Secret': { auth: { tokensSecretRef: { name: 'my-tokens', key: 'entries' } } },
    'replicas without autoscaling': { apps: { api: { replicas: 5, autoscaling: { enabled: false } } } },
    'autoscaling bounds': {
      apps: { grpcKv: { autoscaling: { minReplicas: 3, maxReplicas: 30, targetCPUUtilizationPercentage: 55 } } },
    },
    'disabled apps': {
      apps: { chat: { enabled: false }, multicastNode: { enabled: false }, consumer: { enabled: false } },
    },
    'external cache and database': {
      cache: { mode: 'external', external: { secretName: 'my-redis' } },
      database: { mode: 'external', external: { secretName: 'my-db', key: 'dsn' } },
    },
    'images, resources and storage': {
      version: '1.2.3',
      image: { registry: 'registry.example:5000', repository: 'team/kverse' },
      apps: { api: { resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } } } },
      queue: { managed: { replicas: 5, storage: '20Gi', version: '4.0.6-management-alpine' } },
    },
    'monitoring on': {
      monitoring: { serviceMonitors: { enabled: true, interval: '15s' }, dashboards: { enabled: true } },
    },
    'tracing on': { monitoring: { tracing: { otlpEndpoint: 'https://tempo.observability', sampleRatio: 0.25 } } },
    'tracing on, default ratio': { monitoring: { tracing: { otlpEndpoint: 'http://otel-collector:4318' } } },
  };

  it.each(Object.entries(cases))('renders the synth for %s', (_, values) => {
    const rendered = helmTemplate('charts/kverse', values, ['--skip-tests']).filter(
      (o) => o.metadata.annotations?.['helm.sh/hook'] !== 'test',
    );
    expect(sorted(rendered)).toEqual(sorted(synthFor(values)));
  });

  it('changes what each value claims to', () => {
    const objects = helmTemplate('charts/kverse', {
      apps: { api: { replicas: 5, autoscaling: { enabled: false } } },
      cache: { mode: 'external', external: { secretName: 'my-redis' } },
      version: '9.9.9',
    });
    const api = objects.find((o) => key(o) === 'Deployment/kverse-api')!;
    expect(api.spec.replicas).toBe(5);
    expect(api.spec.template.spec.containers[0].image).toBe('kverse/api:9.9.9');
    expect(objects.find((o) => key(o) === 'HorizontalPodAutoscaler/kverse-api')).toBeUndefined();
    expect(objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'redis')).toEqual([]);
    expect(api.spec.template.spec.containers[0].env).toContainEqual({
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: 'my-redis', key: 'url' } },
    });
  });

  it('ships a helm test pod that puts and gets a key through the API', () => {
    const test = helmTemplate('charts/kverse').find((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test')!;
    expect(test.kind).toBe('Pod');
    expect(test.spec.containers[0].command.join(' ')).toMatch(/PUT[\s\S]*GET/);
  });

  it.each([
    [{ apps: { api: { autoscaling: { minReplicas: 9, maxReplicas: 3 } } } }, 'minReplicas must not exceed maxReplicas'],
    [{ cache: { mode: 'external' } }, 'cache.mode external needs cache.external.secretName'],
    [{ apps: { api: { replicas: 'many' } } }, 'replicas'],
    [{ unknown: true }, 'unknown'],
  ])('rejects %j', (values, message) => {
    expect(() => helmTemplate('charts/kverse', values as Values)).toThrow(message);
  });

  it('passes helm lint --strict', () => {
    expect(execFileSync(helm, ['lint', '--strict', resolve(root, 'charts/kverse')], { encoding: 'utf8' })).toMatch(
      /0 chart\(s\) failed/,
    );
  });
});

describe('charts/kverse-operator', () => {
  const render = (values: Values) =>
    helmTemplate('charts/kverse-operator', values, ['--namespace', 'kverse-system'], 'kverse-operator');
  const synth = (settings: Values) =>
    Testing.synth(new KVerseOperatorChart(Testing.app(), 'operator', { namespace: 'kverse-system', settings }));

  it.each([
    ['default values', {}],
    [
      'replicas, image and monitoring',
      {
        replicas: 3,
        version: '2.0.0',
        image: { registry: 'r.example' },
        monitoring: { serviceMonitor: true, dashboard: true },
      },
    ],
  ])('renders the synth for %s', (_, values) => {
    expect(sorted(render(values))).toEqual(sorted(synth(values)));
  });

  it('ships the KVStore CRD from packages/crd in crds/', () => {
    const out = execFileSync(helm, ['show', 'crds', resolve(root, 'charts/kverse-operator')], { encoding: 'utf8' });
    expect(out).toContain('name: kvstores.kverse.dev');
  });

  it('passes helm lint --strict', () => {
    expect(
      execFileSync(helm, ['lint', '--strict', resolve(root, 'charts/kverse-operator')], { encoding: 'utf8' }),
    ).toMatch(/0 chart\(s\) failed/);
  });
});
