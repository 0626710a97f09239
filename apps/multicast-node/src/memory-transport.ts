import type { ReceiveHandler, Transport } from './transport.js';

/**
 * An in-process network for tests: every attached endpoint receives every broadcast (its own included) on a
 * later macrotask, in send order. Loss, duplication and reordering are added by wrapping endpoints in a
 * {@link FaultTransport}; {@link MemoryNetwork.isolate} cuts an endpoint off.
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryEndpoint>();
  private readonly isolated = new Set<string>();

  /** A new endpoint named `address` (unique within the network). */
  attach(address: string): Transport {
    if (this.endpoints.has(address)) throw new Error(`address ${address} already attached`);
    const endpoint = new MemoryEndpoint(address, this);
    this.endpoints.set(address, endpoint);
    return endpoint;
  }

  /**
   * Cuts `address` off (`true`) or reconnects it: while cut off it hears only itself and nobody hears it — a
   * partition, or a paused process seen from outside.
   */
  isolate(address: string, cut: boolean): void {
    if (cut) this.isolated.add(address);
    else this.isolated.delete(address);
  }

  /** @internal */
  detach(address: string): void {
    this.endpoints.delete(address);
  }

  /** @internal Delivers to every attached endpoint, after the current task, so sends never re-enter. */
  send(from: string, datagram: Buffer): void {
    for (const [address, endpoint] of this.endpoints) {
      if (address !== from && (this.isolated.has(from) || this.isolated.has(address))) continue;
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
