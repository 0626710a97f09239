import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './helpers.js';

let api: TestApi;
let base: string;
beforeEach(async () => {
  api = await openTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await api.close();
});

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Opens an SSE stream and collects parsed events. */
async function watch(query: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}/kv/watch?${query}`, { signal: controller.signal, headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: SseEvent[] = [];
  // As EventSource keeps it: the last `id` the stream sent, with or without an event.
  let lastEventId: string | undefined;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (lines.length === 0) continue;
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const id = field('id');
          if (id !== undefined) lastEventId = id;
          // A block without data dispatches no event.
          if (field('data') === undefined) continue;
          events.push({
            ...(id ? { id } : {}),
            event: field('event') ?? 'message',
            data: JSON.parse(field('data') ?? '{}'),
          });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    done,
    lastEventId: () => lastEventId,
    close: () => controller.abort(),
    async waitFor(n: number) {
      for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return events;
    },
  };
}

async function put(key: string, value: string) {
  const res = await fetch(`${base}/kv`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, value }),
  });
  return (await res.json()) as { version: string };
}

describe('SSE watch', () => {
  it('streams puts and deletes of a key with versions as event ids', async () => {
    const w = await watch('key=k1');
    const v1 = await put('k1', 'a');
    await put('other', 'ignored');
    await fetch(`${base}/kv?key=k1`, { method: 'DELETE' });
    const events = await w.waitFor(2);
    w.close();
    expect(events.map((e) => e.event)).toEqual(['put', 'delete']);
    expect(events[0]).toMatchObject({ id: v1.version, data: { key: 'k1', value: 'a', version: v1.version } });
  });

  it('streams every key under a prefix', async () => {
    const w = await watch('prefix=app/');
    await put('app/a', '1');
    await put('zzz', 'no');
    await put('app/b', '2');
    const events = await w.waitFor(2);
    w.close();
    expect(events.map((e) => e.data.key)).toEqual(['app/a', 'app/b']);
  });

  it('resumes after a version, from the query or Last-Event-ID', async () => {
    const first = await put('r', '1');
    await put('r', '2');
    await put('r', '3');
    const fromQuery = await watch(`key=r&fromVersion=${first.version}`);
    const fromHeader = await watch('key=r', { 'last-event-id': first.version });
    const a = await fromQuery.waitFor(2);
    const b = await fromHeader.waitFor(2);
    fromQuery.close();
    fromHeader.close();
    expect(a.map((e) => e.data.value)).toEqual(['2', '3']);
    expect(b.map((e) => e.data.value)).toEqual(['2', '3']);
  });

  it('resumes from Last-Event-ID when the URL also names fromVersion (an EventSource reconnecting)', async () => {
    const first = await put('e', '1');
    const second = await put('e', '2');
    await put('e', '3');
    // The stream had reached `second` when it dropped: the browser reopens the same URL and says so in the header.
    const again = await watch(`key=e&fromVersion=${first.version}`, { 'last-event-id': second.version });
    const events = await again.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    again.close();
    expect(events.map((e) => e.data.value)).toEqual(['3']);
  });

  it('opens with where it starts, so a reconnect before any change still resumes without a gap', async () => {
    const before = await put('q', 'before');
    const quiet = await watch('key=q');
    for (let i = 0; i < 100 && quiet.lastEventId() === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    const start = quiet.lastEventId();
    expect(quiet.events).toEqual([]);
    expect(BigInt(start!)).toBeGreaterThanOrEqual(BigInt(before.version));
    quiet.close();
    // Written while disconnected; the reconnect sends what EventSource keeps, the stream's last id.
    const missed = await put('q', 'while away');
    const again = await watch('key=q', { 'last-event-id': start! });
    const [event] = await again.waitFor(1);
    again.close();
    expect(event).toMatchObject({ id: missed.version, event: 'put', data: { value: 'while away' } });
  });

  it('answers 410 when resuming from before the retained history', async () => {
    await api.close();
    api = await openTestApi({ KVERSE_WATCH_RETENTION: '2' });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    const first = await put('c', '1');
    for (let i = 0; i < 4; i++) await put('c', String(i));
    const res = await fetch(`${base}/kv/watch?key=c&fromVersion=${first.version}`);
    expect(res.status).toBe(410);
    expect((await res.json()).error.code).toBe('KV_ERR_COMPACTED');
  });

  it('frees the watcher as soon as the client disconnects', async () => {
    const w = await watch('prefix=');
    expect(api.opened.dataPlane.watchers).toBe(1);
    w.close();
    for (let i = 0; i < 100 && api.opened.dataPlane.watchers > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(api.opened.dataPlane.watchers).toBe(0);
  });

  it('ends open streams with a shutdown event when the server closes', async () => {
    const w = await watch('key=x');
    const closing = api.app.close();
    await w.done;
    await closing;
    expect(w.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'KV_ERR_SHUTTING_DOWN' } });
  });
});
