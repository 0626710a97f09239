import { createLogger } from '@kverse/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { type MulticastNodeHandle, startMulticastNode } from '../src/app.js';
import { defaultMulticastNodeConfig } from '../src/config.js';
import { MemoryNetwork } from '../src/memory-transport.js';
import { waitUntil } from './memory-group.js';

const handles: MulticastNodeHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

async function start(network: MemoryNetwork, id: string): Promise<MulticastNodeHandle> {
  const config = defaultMulticastNodeConfig({ nodeId: id, httpHost: '127.0.0.1', httpPort: 0, repl: false });
  const handle = await startMulticastNode(config, {
    logger: createLogger({ level: 'silent', name: 'test' }),
    transport: network.attach(id),
  });
  handles.push(handle);
  return handle;
}

describe('startMulticastNode', () => {
  it('serves /health, /state with the digest, /metrics, and takes commands on POST /command', async () => {
    const network = new MemoryNetwork();
    const a = await start(network, 'a');
    const b = await start(network, 'b');
    const url = (h: MulticastNodeHandle, path: string) => `http://127.0.0.1:${h.httpPort}${path}`;

    expect(await (await fetch(url(a, '/health'))).json()).toEqual({ status: 'ok', node: 'a' });
    const sent = await fetch(url(a, '/command'), {
      method: 'POST',
      body: JSON.stringify({ op: 'SET', key: 'x', value: '1' }),
    });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ origin: { from: 'a', seq: 1 } });
    await waitUntil(
      () => b.node.get('x') === '1',
      () => 'b never applied x',
    );

    const state = (await (await fetch(url(b, '/state'))).json()) as { snapshot: { entries: object; digest: string } };
    expect(state).toMatchObject({ node: 'b', ordering: { mode: 'none' }, snapshot: { entries: { x: '1' } } });
    expect(state.snapshot.digest).toBe(a.node.snapshot().digest);

    const metrics = await (await fetch(url(b, '/metrics'))).text();
    expect(metrics).toMatch(/kverse_multicast_delivered_total 1/);
    expect(metrics).toMatch(/kverse_multicast_received_total\{kind="data"\} 1/);

    const bad = await fetch(url(a, '/command'), { method: 'POST', body: JSON.stringify({ op: 'NOOP' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'KV_ERR_INVALID_ARGUMENT' } });
    const tooBig = await fetch(url(a, '/command'), {
      method: 'POST',
      body: JSON.stringify({ op: 'SET', key: 'x', value: 'v'.repeat(9000) }),
    });
    expect(tooBig.status).toBe(413);
    expect((await fetch(url(a, '/nope'))).status).toBe(404);
  });

  it('drops and counts malformed, oversized and spoofed-schema datagrams, and keeps serving', async () => {
    const network = new MemoryNetwork();
    const a = await start(network, 'a');
    const attacker = network.attach('attacker');
    attacker.broadcast(Buffer.from('not json'));
    attacker.broadcast(Buffer.alloc(9000, 0x41));
    attacker.broadcast(
      Buffer.from(JSON.stringify({ v: 1, t: 'data', from: 'x', inc: 'i', seq: 1, cmd: { op: 'DROP' } })),
    );
    attacker.broadcast(Buffer.from(JSON.stringify({ v: 1, t: 'data', from: 'x', inc: 'i', seq: 1 })));
    attacker.broadcast(
      Buffer.from(
        JSON.stringify({ v: 1, t: 'data', from: 'x', inc: 'i', seq: 2, cmd: { op: 'SET', key: 'ok', value: 'yes' } }),
      ),
    );
    await waitUntil(
      () => a.node.get('ok') === 'yes',
      () => 'valid datagram after bad ones was not applied',
    );
    const metrics = await (await fetch(`http://127.0.0.1:${a.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/kverse_multicast_dropped_total\{reason="malformed"\} 1/);
    expect(metrics).toMatch(/kverse_multicast_dropped_total\{reason="oversized"\} 1/);
    expect(metrics).toMatch(/kverse_multicast_dropped_total\{reason="invalid"\} 2/);
    expect(a.node.snapshot().applied).toBe(1);
  });
});
