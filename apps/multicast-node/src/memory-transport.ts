import type { ReceiveHandler, Transport } from './transport.js';

/**
 * An in-process network for tests: every attached endpoint receives every broadcast (its own included) on a
 * later macrotask, in send order. Loss, duplication and reordering are added by wrapping endpoints in a
 * {@link FaultTransport}; {@link MemoryNetwork.partition} cuts an endpoint off, as a crashed host would be.
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryEndpoint>();

  /** A new endpoint named `address` (unique within the network). */
  attach(address: string): Transport {
    if (this.endpoints.has(address)) throw new Error(`address ${address} already attached`);
    const endpoint = new MemoryEndpoint(address, this);
    this.endpoints.set(address, endpoint);
    return endpoint;
  }

  /** @internal */
  detach(address: string): void {
    this.endpoints.delete(address);
  }

  /** @internal Delivers to every attached endpoint, after the current task, so sends never re-enter. */
  send(from: string, datagram: Buffer): void {
    for (const endpoint of [...this.endpoints.values()]) {
      setImmediate(() => endpoint.deliver(datagram, from));
    }
  }
}

class MemoryEndpoint implements Transport {
  private handler: ReceiveHandler | undefined;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly network: MemoryNetwork,
  ) {}

  broadcast(datagram: Buffer): void {
    if (!this.closed) this.network.send(this.address, datagram);
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  deliver(datagram: Buffer, from: string): void {
    if (!this.closed) this.handler?.(datagram, from);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.detach(this.address);
  }

  describe(): string {
    return `memory:${this.address}`;
  }
}
