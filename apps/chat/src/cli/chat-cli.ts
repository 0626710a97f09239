import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ServerEvent__Output } from '../generated/kverse/chat/v1/ServerEvent.js';
import { ChatClient, type ChatClientEvent } from './chat-client.js';

export interface ChatCliOptions {
  /** host:port of a chat server. */
  readonly server: string;
  readonly room: string;
  readonly user: string;
  /** Lines to send; `/who` shows presence, `/quit` leaves. Ends (EOF) → sends what is queued, then leaves. */
  readonly input: Readable;
  /** Where the room's events are printed, one per line. */
  readonly output: Writable;
  /** How long to wait for queued messages to be accepted after input ended. @default 10000 */
  readonly drainTimeoutMs?: number;
}

/**
 * The chat command line: joins `room` as `user`, sends each input line as a message, prints what happens in
 * the room (messages with their offsets, joins, leaves, presence, errors), reconnects and resumes on its own.
 * Works interactively and from a pipe (`printf 'hi\n' | kverse chat …` sends, waits for the echo, exits).
 * Resolves when the session is over.
 */
export async function runChatCli(options: ChatCliOptions): Promise<void> {
  const { output } = options;
  const print = (line: string) => output.write(`${line}\n`);
  let presence: readonly string[] = [];
  const client = new ChatClient({
    server: options.server,
    room: options.room,
    user: options.user,
    onEvent: (event) => {
      if (event.kind === 'event' && event.event.presence) presence = event.event.presence.users;
      const line = describe(event, options.user);
      if (line !== undefined) print(line);
    },
  });
  client.start();
  const lines = createInterface({ input: options.input, terminal: false });
  let quit = false;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '/quit') {
      quit = true;
      break;
    }
    if (line === '/who') {
      print(`* here: ${presence.join(', ') || '(nobody)'}`);
      continue;
    }
    client.send(line);
  }
  if (!quit) {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 10_000).unref());
    await Promise.race([client.flushed(), timeout]);
  }
  client.close();
}

function describe(event: ChatClientEvent, self: string): string | undefined {
  switch (event.kind) {
    case 'connection':
      if (event.state === 'reconnecting') return `* disconnected (${event.reason}); reconnecting`;
      if (event.reason === 'RESUME_STATUS_GAP') return '* reconnected; some messages were lost while away';
      if (event.reason === 'RESUME_STATUS_COMPLETE') return '* reconnected; nothing missed';
      return undefined;
    case 'dropped':
      return `! not sent (${event.code}: ${event.message}): ${event.text}`;
    case 'sent':
      return undefined;
    case 'event':
      return describeServerEvent(event.event, self);
  }
}

function describeServerEvent(event: ServerEvent__Output, self: string): string | undefined {
  if (event.message) return `[${event.message.offset}] ${event.message.user}: ${event.message.text}`;
  if (event.batch) return event.batch.messages.map((m) => `[${m.offset}] ${m.user}: ${m.text}`).join('\n');
  if (event.joined) return `* joined ${event.joined.room} as ${self} (${event.joined.headOffset} messages so far)`;
  if (event.left) return undefined;
  if (event.presence) {
    const { joined, left, users } = event.presence;
    const others = (names: string[]) => names.filter((name) => name !== self);
    return [
      ...others(joined).map((name) => `* ${name} joined`),
      ...others(left).map((name) => `* ${name} left`),
      `* here: ${users.join(', ') || '(nobody)'}`,
    ].join('\n');
  }
  if (event.error) return `! ${event.error.code}: ${event.error.message}`;
  return undefined;
}
