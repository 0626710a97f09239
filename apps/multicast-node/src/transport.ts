/**
 * The bottom layer: moves opaque datagrams between the members of one group. It knows nothing of commands or
 * ordering, so IP multicast, unicast fan-out, an in-memory network and a fault-injecting wrapper are
 * interchangeable under the ordering layer.
 */
export interface Transport {
  /**
   * Sends one datagram to every member of the group, **this node included** (the seed's sender applies its own
   * command only when it comes back, like everyone else). Best effort: it may be lost, duplicated or reordered.
   */
  broadcast(datagram: Buffer): void;
  /** Sets the one receiver of incoming datagrams; `from` is a printable source address. */
  onReceive(handler: ReceiveHandler): void;
  /** Stops sending and receiving; idempotent. */
  close(): Promise<void>;
  /** For logs and `/state`: what this transport is bound to. */
  describe(): string;
}

export type ReceiveHandler = (datagram: Buffer, from: string) => void;
