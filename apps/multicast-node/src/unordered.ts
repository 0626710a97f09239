import { type Delivery, type OrderingContext, type OrderingLayer, type OrderingStatus, originKey } from './ordering.js';
import { type Command, type Datagram, type Origin, WIRE_VERSION } from './wire.js';

/**
 * `ORDERING=none`, the seed's behaviour: a command is delivered the moment it arrives, so two nodes that receive
 * concurrent commands in different orders end in different states. Only exact copies (same sender, incarnation
 * and sequence number) are dropped, so a duplicated datagram is not applied twice. Lost datagrams stay lost.
 */
export class UnorderedDelivery implements OrderingLayer {
  private seq = 0;
  // Grows with the number of commands seen; fine for a demonstration node, and what makes duplicates harmless.
  private readonly seen = new Set<string>();
  private handler: ((delivery: Delivery) => void) | undefined;
  private stopped = false;

  constructor(private readonly ctx: OrderingContext) {}

  start(): void {}

  submit(cmd: Command): Origin {
    this.seq++;
    const origin = { from: this.ctx.nodeId, inc: this.ctx.incarnation, seq: this.seq };
    this.ctx.send({ v: WIRE_VERSION, t: 'data', from: origin.from, inc: origin.inc, seq: origin.seq, cmd });
    return origin;
  }

  receive(message: Datagram): void {
    if (this.stopped || message.t !== 'data') return;
    const origin = { from: message.from, inc: message.inc, seq: message.seq };
    const key = originKey(origin);
    if (this.seen.has(key)) {
      this.ctx.events?.duplicate?.('data');
      return;
    }
    this.seen.add(key);
    this.handler?.({ origin, cmd: message.cmd });
  }

  onDeliver(handler: (delivery: Delivery) => void): void {
    this.handler = handler;
  }

  /** Never resets: without an agreed order there is nothing to rejoin. */
  onReset(_handler: () => void): void {}

  status(): OrderingStatus {
    return { mode: 'none', sent: this.seq, seen: this.seen.size };
  }

  stop(): void {
    this.stopped = true;
  }
}
