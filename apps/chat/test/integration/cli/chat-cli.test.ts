import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runChatCli } from '../../../src/cli/chat-cli.js';
import { ChatTestClient, requireRedis, startTestServer, uniqueRoom } from '../chat-test-client.js';

/** Collects what the CLI prints and lets a test wait for a line. */
function capture() {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    output,
    text: () => text,
    async waitFor(pattern: RegExp, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`CLI never printed ${pattern}; it printed:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe('runChatCli', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('sends piped lines in order, prints the room, and exits at end of input', async () => {
    const server = await startTestServer();
    cleanup.push(() => server.close());
    const room = uniqueRoom('cli');
    const watcher = new ChatTestClient(server.address);
    cleanup.push(() => watcher.close());
    watcher.join(room, 'watcher');
    await watcher.waitFor((e) => e.joined?.user === 'watcher' && e.requestId !== '');

    const out = capture();
    const input = new PassThrough();
    const done = runChatCli({ server: server.address, room, user: 'ana', input, output: out.output });
    input.write('first line\nsecond line\n\n');
    await out.waitFor(/\[2\] ana: second line/);
    // Presence is printed when it changes, and on demand.
    await out.waitFor(/\* here: ana, watcher\n/);
    input.write('/who\n');
    await out.waitFor(/\* here: ana, watcher\n[\s\S]*\* here: ana, watcher\n/);
    // End of input: what is queued is sent and confirmed, then the CLI leaves.
    input.end('third line\n');
    await done;
    const texts = (await watcher.waitForMessages(room, 3)).map((m) => `${m.user}:${m.text}`);
    expect(texts).toEqual(['ana:first line', 'ana:second line', 'ana:third line']);
    expect(out.text()).toMatch(/\* joined .* as ana/);
    expect(out.text()).toMatch(/\[1\] ana: first line\n\[2\] ana: second line\n/);
    expect(out.text()).toMatch(/\[3\] ana: third line/);
  });

  it('reconnects after the server goes away and resumes without losing messages', async () => {
    const redisUrl = await requireRedis();
    const first = await startTestServer({ redisUrl, replicaId: 'cli-first' });
    const other = await startTestServer({ redisUrl, replicaId: 'cli-other' });
    cleanup.push(() => other.close());
    const room = uniqueRoom('cli-resume');
    const writer = new ChatTestClient(other.address);
    cleanup.push(() => writer.close());
    writer.join(room, 'writer');

    const input = new PassThrough();
    const out = capture();
    const done = runChatCli({ server: first.address, room, user: 'bea', input, output: out.output });
    await out.waitFor(/\* joined/);
    writer.say(room, 'before');
    await out.waitFor(/\[1\] writer: before/);

    await first.close();
    await out.waitFor(/disconnected .*reconnecting/);
    writer.say(room, 'while away 1');
    writer.say(room, 'while away 2');
    await writer.waitForMessages(room, 3);
    // The same address comes back (a restarted pod behind its Service).
    const port = Number(first.address.split(':')[1]);
    const again = await startTestServer({ redisUrl, replicaId: 'cli-again', port });
    cleanup.push(() => again.close());
    await out.waitFor(/reconnected; nothing missed/, 20_000);
    await out.waitFor(/\[3\] writer: while away 2/);
    expect(out.text()).toMatch(/\[2\] writer: while away 1\n\[3\] writer: while away 2/);
    input.end('/quit\n');
    await done;
  });
});
