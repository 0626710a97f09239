import type { Watch } from '@kubernetes/client-node';
import { createLogger } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/desired.js';
import { Informer, type InformerEvent } from '../src/informer.js';
import type { RawClient } from '../src/raw-client.js';

const obj = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** A list that returns `lists[n]` on the n-th call, and a watch that connects and then says nothing. */
function fakes(lists: KubeObject[][]) {
  let calls = 0;
  let watches = 0;
  const raw = {
    list: async () => ({
      metadata: { resourceVersion: String(calls) },
      items: lists[Math.min(calls++, lists.length - 1)]!,
    }),
  } as unknown as RawClient;
  const watch = {
    watch: async () => {
      watches += 1;
      return new AbortController();
    },
  } as unknown as Watch;
  return { raw, watch, lists: () => calls, watches: () => watches };
}

describe('Informer', () => {
  it('relists when the watch goes silent, and delivers what changed meanwhile', async () => {
    const f = fakes([[obj('a', '1')], [obj('a', '2'), obj('b', '3')]]);
    const events: Array<[InformerEvent, string]> = [];
    const informer = new Informer({
      raw: f.raw,
      watch: f.watch,
      apiVersion: 'v1',
      kind: 'Service',
      plural: 'services',
      watchTimeoutSeconds: 1,
      silenceMs: 100,
      log: createLogger({ name: 'test', level: 'silent' }),
      onEvent: (type, o) => events.push([type, o.metadata.name]),
    });
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(events).toEqual([['ADDED', 'a']]);
    await new Promise((r) => setTimeout(r, 350));
    informer.stop();
    expect(f.lists()).toBeGreaterThanOrEqual(2);
    expect(f.watches()).toBeGreaterThanOrEqual(2);
    expect(informer.relistCount).toBeGreaterThanOrEqual(1);
    expect(events).toContainEqual(['MODIFIED', 'a']);
    expect(events).toContainEqual(['ADDED', 'b']);
    expect(informer.get('ns/b')?.metadata.resourceVersion).toBe('3');
  });
});
