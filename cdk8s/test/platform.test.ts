import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KVerseOperatorChart } from '../src/index.js';
import { component, find, synthPlatform } from './support.js';

describe('KVersePlatform', () => {
  it('synthesises the default platform (snapshot)', async () => {
    await expect(stringify(synthPlatform(), { lineWidth: 0 })).toMatchFileSnapshot('__snapshots__/kverse.k8s.yaml');
  });

  it('has an autoscaler on CPU for api, consumer, grpc-kv and chat, and leaves replicas to it', () => {
    const objects = synthPlatform();
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map(component).sort()).toEqual(['api', 'chat', 'consumer', 'grpc-kv']);
    expect(find(objects, 'Deployment', 'kverse-api')!.spec.replicas).toBeUndefined();
    expect(hpas[0]!.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { averageUtilization: 70 } });
  });

  it('sets replicas itself when autoscaling is off', () => {
    const objects = synthPlatform({ apps: { api: { replicas: 4, autoscaling: { enabled: false } } } });
    expect(find(objects, 'Deployment', 'kverse-api')!.spec.replicas).toBe(4);
    expect(find(objects, 'HorizontalPodAutoscaler', 'kverse-api')).toBeUndefined();
  });

  it('leaves out a disabled app entirely', () => {
    const objects = synthPlatform({ apps: { chat: { enabled: false }, multicastNode: { enabled: false } } });
    expect(objects.filter((o) => ['chat', 'multicast-node'].includes(component(o)))).toEqual([]);
  });

  it('points apps at an external service’s Secret and deploys nothing for it', () => {
    const objects = synthPlatform({ cache: { mode: 'external', external: { secretName: 'my-redis', key: 'u' } } });
    expect(objects.filter((o) => component(o)?.startsWith('redis'))).toEqual([]);
    const env = find(objects, 'Deployment', 'kverse-chat')!.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'my-redis', key: 'u' } } });
    const policy = find(objects, 'NetworkPolicy', 'kverse-chat')!;
    expect(policy.spec.egress).toContainEqual({ ports: [] });
  });

  it('turns auth on in the KV front doors, with the generated tokens Secret mounted (entries only)', () => {
    const objects = synthPlatform();
    for (const name of ['kverse-api', 'kverse-grpc-kv']) {
      const pod = find(objects, 'Deployment', name)!.spec.template.spec;
      expect(pod.containers[0].env).toEqual(
        expect.arrayContaining([
          { name: 'KVERSE_AUTH_ENABLED', value: 'true' },
          { name: 'KVERSE_AUTH_TOKENS_FILE', value: '/etc/kverse/auth/tokens' },
        ]),
      );
      expect(pod.volumes).toContainEqual({
        name: 'auth-tokens',
        secret: { secretName: 'kverse-auth-tokens', items: [{ key: 'tokens', path: 'tokens' }], defaultMode: 0o440 },
      });
    }
    const chatEnv = find(objects, 'Deployment', 'kverse-chat')!.spec.template.spec.containers[0].env;
    expect(chatEnv.map((e: { name: string }) => e.name)).not.toContain('KVERSE_AUTH_ENABLED');
    const job = find(objects, 'Job', 'kverse-auth-tokens-credentials')!;
    const template = job.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'TEMPLATE');
    expect(JSON.parse(template.value)).toEqual({ tokens: 'admin:write:{sha256:admin}', 'admin-token': '{admin}' });
  });

  it('mounts your own tokens Secret instead, and generates none', () => {
    const objects = synthPlatform({ auth: { tokensSecretRef: { name: 'my-tokens' } } });
    expect(objects.filter((o) => component(o)?.startsWith('auth-tokens'))).toEqual([]);
    const pod = find(objects, 'Deployment', 'kverse-api')!.spec.template.spec;
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({
        secret: expect.objectContaining({ secretName: 'my-tokens', items: [{ key: 'tokens', path: 'tokens' }] }),
      }),
    );
    const off = synthPlatform({ auth: { enabled: false } });
    expect(find(off, 'Deployment', 'kverse-api')!.spec.template.spec.containers[0].env).toContainEqual({
      name: 'KVERSE_AUTH_ENABLED',
      value: 'false',
    });
  });

  it('runs multicast nodes as a StatefulSet that finds its peers through a headless Service', () => {
    const objects = synthPlatform();
    const sts = find(objects, 'StatefulSet', 'kverse-multicast-node')!;
    expect(sts.spec.serviceName).toBe('kverse-multicast-node-headless');
    expect(sts.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'MULTICAST_TRANSPORT', value: 'unicast' },
        { name: 'MULTICAST_PEERS_DNS', value: 'kverse-multicast-node-headless' },
        { name: 'ORDERING', value: 'total' },
      ]),
    );
    expect(find(objects, 'Service', 'kverse-multicast-node-headless')!.spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
    });
  });

  it('enables the RabbitMQ plugins the write path needs', () => {
    const cm = find(synthPlatform(), 'ConfigMap', 'kverse-rabbitmq-config')!;
    expect(cm.data.enabled_plugins).toContain('rabbitmq_consistent_hash_exchange');
    expect(cm.data.enabled_plugins).toContain('rabbitmq_peer_discovery_k8s');
  });

  it('points every app at the OTLP endpoint when tracing is on, and lets it reach the collector', () => {
    const off = synthPlatform();
    const envOf = (objects: typeof off, name: string) =>
      find(objects, 'Deployment', name)!.spec.template.spec.containers[0].env as Array<{ name: string }>;
    expect(envOf(off, 'kverse-api').filter((e) => e.name.startsWith('OTEL_'))).toEqual([]);
    const on = synthPlatform({
      monitoring: { tracing: { otlpEndpoint: 'http://collector.obs:4318', sampleRatio: 0.1 } },
    });
    for (const app of ['kverse-api', 'kverse-consumer', 'kverse-grpc-kv', 'kverse-chat']) {
      expect(envOf(on, app).filter((e) => e.name.startsWith('OTEL_'))).toEqual([
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.obs:4318' },
        { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
        { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.1' },
      ]);
      expect(find(on, 'NetworkPolicy', app)!.spec.egress).toContainEqual({ ports: [{ port: 4318, protocol: 'TCP' }] });
    }
  });

  it('creates ServiceMonitors and dashboards only when asked', () => {
    expect(synthPlatform().filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    const objects = synthPlatform({
      monitoring: { serviceMonitors: { enabled: true }, dashboards: { enabled: true } },
    });
    expect(
      objects
        .filter((o) => o.kind === 'ServiceMonitor')
        .map(component)
        .sort(),
    ).toEqual(['api', 'chat', 'consumer', 'grpc-kv', 'multicast-node']);
    const dashboards = objects.filter((o) => o.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards).toHaveLength(4);
    for (const d of dashboards) expect(() => JSON.parse(Object.values(d.data)[0] as string)).not.toThrow();
  });
});

describe('KVerseOperatorChart', () => {
  it('synthesises the operator objects (snapshot)', async () => {
    const objects = Testing.synth(new KVerseOperatorChart(Testing.app(), 'operator'));
    await expect(stringify(objects, { lineWidth: 0 })).toMatchFileSnapshot('__snapshots__/kverse-operator.k8s.yaml');
  });
});
