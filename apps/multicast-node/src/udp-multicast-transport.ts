import dgram from 'node:dgram';
import type { Logger } from '@kverse/runtime';
import type { ReceiveHandler, Transport } from './transport.js';

export interface UdpMulticastOptions {
  readonly group: string;
  readonly port: number;
  readonly ttl: number;
  /** Local IPv4 address of the interface that joins and sends; unset lets the routing table decide. */
  readonly interface?: string | undefined;
  /** Requested SO_RCVBUF; the kernel caps it at `net.core.rmem_max`. */
  readonly recvBufferBytes: number;
  readonly logger: Logger;
}

/**
 * IP multicast (the seed's transport): one socket bound to the group port with `SO_REUSEADDR`, so several nodes
 * can share a host, joined to the group, with loopback on so a node hears its own datagrams.
 */
export async function openUdpMulticastTransport(options: UdpMulticastOptions): Promise<Transport> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: options.recvBufferBytes });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.addMembership(options.group, options.interface);
  if (options.interface) socket.setMulticastInterface(options.interface);
  socket.setMulticastTTL(options.ttl);
  socket.setMulticastLoopback(true);
  return new UdpMulticastTransport(socket, options);
}

class UdpMulticastTransport implements Transport {
  private closed = false;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly options: UdpMulticastOptions,
  ) {
    // A send error (no route, buffer full) is a lost datagram: the ordering layer recovers or, in `none`, diverges.
    socket.on('error', (err) => options.logger.warn({ err }, 'multicast socket error'));
  }

  broadcast(datagram: Buffer): void {
    if (this.closed) return;
    this.socket.send(datagram, this.options.port, this.options.group, (err) => {
      if (err && !this.closed) this.options.logger.warn({ err }, 'multicast send failed');
    });
  }

  onReceive(handler: ReceiveHandler): void {
    this.socket.removeAllListeners('message');
    this.socket.on('message', (msg, rinfo) => handler(msg, `${rinfo.address}:${rinfo.port}`));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  describe(): string {
    const via = this.options.interface ? ` via ${this.options.interface}` : '';
    return `multicast ${this.options.group}:${this.options.port} ttl ${this.options.ttl}${via}`;
  }
}
