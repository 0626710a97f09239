/**
 * A worker thread holding a slice of the chat benchmark's room members (gRPC chat or NATS, each member its own
 * connection). Members are spread over threads because in reality they are separate clients; one JavaScript
 * thread decoding for all of them would measure that thread rather than the server. Both systems get the same
 * threads. Protocol with the main thread: → `ready` once every member joined or subscribed; ← `arm {target}`,
 * → `armed`; → `done {latencies}` when `target` deliveries arrived; ← `close`, → `closed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadChatProto } from '@kverse/chat';
import { connect as natsConnect } from 'nats';

export interface MembersInit {
  readonly system: 'chat' | 'nats';
  /** host:port of the server. */
  readonly address: string;
  readonly room: string;
  /** Index of this slice's first member, for user names. */
  readonly first: number;
  readonly count: number;
}

export type ToMembers = { readonly type: 'arm'; readonly target: number } | { readonly type: 'close' };
export type FromMembers =
  | { readonly type: 'ready' }
  | { readonly type: 'armed' }
  | { readonly type: 'done'; readonly latencies: Float64Array }
  | { readonly type: 'closed' };

/** Counts one phase's deliveries and their publish→delivery latencies. */
class Tally {
  private target = 0;
  private delivered = 0;
  private latencies = new Float64Array(0);

  constructor(private readonly post: (message: FromMembers) => void) {}

  arm(target: number): void {
    this.target = target;
    this.delivered = 0;
    this.latencies = new Float64Array(target);
  }

  /** `text` starts with the publish time (ms since the Unix epoch, sub-ms precision) and a `|`. */
  record(text: string): void {
    if (this.delivered >= this.target) return;
    const sentAt = Number(text.slice(0, text.indexOf('|')));
    this.latencies[this.delivered] = performance.timeOrigin + performance.now() - sentAt;
    this.delivered += 1;
    if (this.delivered === this.target) this.post({ type: 'done', latencies: this.latencies });
  }
}

async function chatMembers(init: MembersInit, tally: Tally): Promise<() => Promise<void>> {
  const proto = loadChatProto();
  let closing = false;
  const clients = Array.from(
    { length: init.count },
    () =>
      // Each member its own connection, like separate users.
      new proto.kverse.chat.v1.ChatService(init.address, credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.enable_channelz': 0,
      }),
  );
  await Promise.all(
    clients.map(
      (client, i) =>
        new Promise<void>((resolve) => {
          const call = client.Connect(new Metadata());
          call.on('data', (event) => {
            if (event.message) tally.record(event.message.text);
            else if (event.batch) for (const m of event.batch.messages) tally.record(m.text);
            else if (event.joined && event.requestId !== '') resolve();
          });
          call.on('error', (err) => {
            if (!closing) console.error(`chat member ${init.first + i}: ${err.message}`);
          });
          call.write({ requestId: 'join', join: { room: init.room, user: `m${init.first + i}` } });
        }),
    ),
  );
  return async () => {
    closing = true;
    for (const client of clients) client.close();
  };
}

async function natsMembers(init: MembersInit, tally: Tally): Promise<() => Promise<void>> {
  const decoder = new TextDecoder();
  const members = await Promise.all(
    Array.from({ length: init.count }, () => natsConnect({ servers: init.address, reconnect: false })),
  );
  for (const nc of members) {
    nc.subscribe(init.room, { callback: (_err, msg) => tally.record(decoder.decode(msg.data)) });
  }
  await Promise.all(members.map((nc) => nc.flush()));
  return async () => {
    await Promise.all(members.map((nc) => nc.close()));
  };
}

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as MembersInit;
  const post = (message: FromMembers) => port.postMessage(message);
  const tally = new Tally(post);
  const close = await (init.system === 'chat' ? chatMembers(init, tally) : natsMembers(init, tally));
  port.on('message', (message: ToMembers) => {
    if (message.type === 'arm') {
      tally.arm(message.target);
      post({ type: 'armed' });
    } else {
      void close().then(() => {
        post({ type: 'closed' });
        port.close();
      });
    }
  });
  post({ type: 'ready' });
}

await main();
