import { describe, expect, it } from 'vitest';
import { localEnv, SERVICE_URLS } from '../src/local/local-platform.js';

// How the local provider turns a container's environment from the chart into a local process's.
describe('localEnv', () => {
  const chartEnv = [
    { name: 'PORT', value: '8000' },
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'kverse-cockroachdb', key: 'url' } } },
    { name: 'AMQP_URL', valueFrom: { secretKeyRef: { name: 'kverse-rabbitmq', key: 'url' } } },
    { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'kverse-redis', key: 'url' } } },
    { name: 'NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MULTICAST_PEERS_DNS', value: 'kverse-multicast-node-headless' },
  ];

  it('maps Secret references to the local services, field references to the pod, and applies changes', () => {
    expect(
      localEnv(chartEnv, {
        podName: 'pod-0',
        changes: { PORT: '4000', MULTICAST_PEERS_DNS: undefined },
        additions: { HOST: '127.0.0.1' },
      }),
    ).toEqual({
      PORT: '4000',
      DATABASE_URL: SERVICE_URLS.database,
      AMQP_URL: SERVICE_URLS.queue,
      REDIS_URL: SERVICE_URLS.cache,
      NODE_ID: 'pod-0',
      HOST: '127.0.0.1',
    });
  });

  it('fails when a change names a variable the chart does not set (a renamed setting)', () => {
    expect(() => localEnv(chartEnv, { podName: 'p', changes: { GRPC_PORT: '1' } })).toThrow(
      /the chart no longer sets GRPC_PORT/,
    );
  });

  it('fails on a reference it cannot make local', () => {
    const env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'someone-else', key: 'token' } } }];
    expect(() => localEnv(env, { podName: 'p', changes: {} })).toThrow(/TOKEN .* no local equivalent/);
  });
});
