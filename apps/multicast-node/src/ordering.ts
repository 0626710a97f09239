import type { Command, Datagram, Origin } from './wire.js';

/** One command handed to the application, in the order this layer guarantees. */
export interface Delivery {
  /** Who issued the command: node id, incarnation, per-incarnation sequence number. */
  readonly origin: Origin;
  readonly cmd: Command;
  /** Position in the total order (`total` only). */
  readonly gseq?: number;
}

/** Things worth counting or logging that happen inside an ordering layer. */
export interface OrderingEvents {
  /** A datagram that was a copy of one already handled. */
  duplicate?(kind: Datagram['t']): void;
  /** Orders sent again in answer to a retransmission request. */
  retransmitted?(count: number): void;
  /** A retransmission request sent for `count` missing orders. */
  nackSent?(count: number): void;
  /** This node's view of the sequencer changed. */
  sequencerChanged?(epoch: number, leader: string | null, role: string): void;
}

/** What `/state` shows about the ordering layer. */
export interface OrderingStatus {
  readonly mode: 'none' | 'total';
  readonly [field: string]: unknown;
}

/**
 * The middle layer: turns datagrams into an order of commands. It sends through `send` and is fed every valid
 * datagram through {@link OrderingLayer.receive}; it never touches sockets, so any {@link Transport} — or a
 * fault-injecting wrapper — can sit below it.
 */
export interface OrderingLayer {
  /** Starts timers (heartbeats, retransmission). */
  start(): void;
  /** Issues a command from this node. It is delivered here only when it comes back through the group. */
  submit(cmd: Command): Origin;
  /** Handles one valid datagram from the group (possibly this node's own). */
  receive(message: Datagram): void;
  /** Sets the receiver of deliveries. */
  onDeliver(handler: (delivery: Delivery) => void): void;
  /**
   * Sets what runs when the layer discards everything it delivered so far and will deliver the agreed sequence
   * again from its start (`total`, after a takeover it missed). The application must clear its state.
   */
  onReset(handler: () => void): void;
  status(): OrderingStatus;
  /** Stops timers; nothing is sent or delivered afterwards. */
  stop(): void;
}

/** What every ordering layer is built from. */
export interface OrderingContext {
  readonly nodeId: string;
  /** Random per process start, so sequence numbers of a restarted node are not mistaken for old ones. */
  readonly incarnation: string;
  readonly send: (message: Datagram) => void;
  /** Largest datagram `send` accepts; a layer that batches fills datagrams up to it. */
  readonly maxDatagramBytes: number;
  readonly events?: OrderingEvents;
}

/** The key of an origin in de-duplication tables. */
export function originKey(origin: Origin): string {
  return `${origin.from}/${origin.inc}/${origin.seq}`;
}
