import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Logger } from '@kverse/runtime';
import type { ReceiveHandler, Transport } from './transport.js';

export interface UdpUnicastOptions {
  /** Port this node listens on, and the port of peers given without one. */
  readonly port: number;
  /** Local address to bind; unset binds every interface. */
  readonly bindAddress?: string | undefined;
  /** Static peers, `host[:port]`. May include this node: its own address is recognised and skipped. */
  readonly peers: readonly string[];
  /** A DNS name whose A records are the peers (every record, at `port`). */
  readonly peersDns?: string | undefined;
  readonly refreshMs: number;
  /** Requested SO_RCVBUF; the kernel caps it at `net.core.rmem_max`. */
  readonly recvBufferBytes: number;
  readonly logger: Logger;
}

interface Peer {
  readonly host: string;
  readonly port: number;
}

/**
 * Unicast fan-out, for networks that do not carry multicast (most Kubernetes network plugins): a broadcast is one
 * datagram to each peer. Peers are a static list and/or every A record of a DNS name — a headless Service
 * lists the ready pods — re-resolved every `refreshMs`, so scaling and restarts are followed. This node's own
 * copy is handed up in-process rather than sent to itself, matching multicast loopback.
 */
export async function openUdpUnicastTransport(options: UdpUnicastOptions): Promise<Transport> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: options.recvBufferBytes });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.bindAddress, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const transport = new UdpUnicastTransport(socket, options);
  await transport.refresh();
  return transport;
}

class UdpUnicastTransport implements Transport {
  private peers: readonly Peer[] = [];
  private handler: ReceiveHandler | undefined;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly localPort: number;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly options: UdpUnicastOptions,
  ) {
    this.localPort = socket.address().port;
    socket.on('error', (err) => options.logger.warn({ err }, 'unicast socket error'));
    socket.on('message', (msg, rinfo) => this.handler?.(msg, `${rinfo.address}:${rinfo.port}`));
    this.timer = setInterval(() => void this.refresh(), options.refreshMs);
    this.timer.unref();
  }

  /** Re-reads the peer list; keeps the previous list when DNS fails (a transient error must not empty the group). */
  async refresh(): Promise<void> {
    const found: Peer[] = this.options.peers.map((p) => parsePeer(p, this.options.port));
    if (this.options.peersDns) {
      try {
        const records = await lookup(this.options.peersDns, { family: 4, all: true });
        for (const r of records) found.push({ host: r.address, port: this.options.port });
      } catch (err) {
        this.options.logger.warn({ err, name: this.options.peersDns }, 'peer DNS lookup failed; keeping last list');
        return;
      }
    }
    const own = localAddresses(this.options.bindAddress);
    const unique = new Map<string, Peer>();
    for (const peer of found) {
      if (peer.port === this.localPort && own.has(peer.host)) continue;
      unique.set(`${peer.host}:${peer.port}`, peer);
    }
    this.peers = [...unique.values()];
  }

  broadcast(datagram: Buffer): void {
    if (this.closed) return;
    for (const peer of this.peers) {
      this.socket.send(datagram, peer.port, peer.host, (err) => {
        if (err && !this.closed) this.options.logger.debug({ err, peer }, 'unicast send failed');
      });
    }
    // Loopback on a later task, like a datagram coming back from the kernel.
    setImmediate(() => {
      if (!this.closed) this.handler?.(datagram, `self:${this.localPort}`);
    });
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  describe(): string {
    const dns = this.options.peersDns ? ` dns ${this.options.peersDns}` : '';
    return `unicast :${this.localPort} to ${this.peers.length} peer(s)${dns}`;
  }
}

function parsePeer(text: string, defaultPort: number): Peer {
  const [host, port] = text.split(':');
  return { host: host ?? text, port: port ? Number(port) : defaultPort };
}

// The addresses that mean "this host": a peer entry naming one of them at our port is ourselves.
function localAddresses(bindAddress: string | undefined): Set<string> {
  if (bindAddress && bindAddress !== '0.0.0.0') return new Set([bindAddress]);
  const out = new Set<string>(['127.0.0.1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4') out.add(info.address);
  }
  return out;
}
