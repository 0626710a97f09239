import { Membership } from './membership.js';
import { OrderBatcher } from './order-batcher.js';
import { type LogEntry, OrderLog } from './order-log.js';
import type { Delivery, OrderingContext, OrderingLayer, OrderingStatus } from './ordering.js';
import { PendingCommands } from './pending-commands.js';
import { Takeover } from './takeover.js';
import {
  type Command,
  type Datagram,
  type DataMessage,
  type HeartbeatMessage,
  type OrderMessage,
  type Origin,
  WIRE_VERSION,
} from './wire.js';

/** Timing of the `total` protocol, in milliseconds. */
export interface TotalOrderTiming {
  /** Heartbeat period; also how often failures are checked. */
  readonly heartbeatMs: number;
  /** Silence after which a member counts as failed. Also the discovery period after start-up. */
  readonly failureTimeoutMs: number;
  /** Period of retransmission requests and of takeover progress; first resend delay of an unordered command. */
  readonly retryMs: number;
}

/** How many orders one retransmission request asks for: bounds the burst a sequencer sends in answer. */
const NACK_BATCH = 64;

type Role = 'follower' | 'candidate' | 'sequencer';

/**
 * `ORDERING=total`: a fixed sequencer with failover. The design, its assumptions and its limits are in the README
 * ("Total order"); in short: commands go to the sequencer, which numbers them 1, 2, 3, … (per-sender FIFO) and
 * multicasts each number as an `order`; members deliver strictly by number and ask for gaps with `nack`. When the
 * sequencer falls silent, the lowest live id takes over under a higher epoch after collecting, from every live
 * member, every order any of them holds — so no number is ever given two different commands by a survivor.
 */
export class TotalOrder implements OrderingLayer {
  private role: Role = 'follower';
  private epoch = 0;
  private leader: string | null = null;
  /** True once the current leader has announced itself as an active sequencer (not a candidate). */
  private leaderActive = false;
  /**
   * When the current leader last acted as one (heartbeat claiming the role, takeover, order). Being heard is not
   * enough: a sequencer restarted under the same id heartbeats as a newcomer and would otherwise never be replaced.
   */
  private leaderSeenAt = 0;
  private readonly log = new OrderLog();
  private readonly batcher: OrderBatcher;
  private leaderHigh = 0;
  private deliveredAtLastRepair = 0;
  private readonly pending: PendingCommands;
  private seq = 0;
  private nextGseq = 1;
  /** Sequencer: commands that arrived before an earlier command of the same sender. */
  private readonly held = new Map<string, Map<number, DataMessage>>();
  private readonly resentAt = new Map<number, number>();
  private takeover: Takeover | undefined;
  private readonly members: Membership;
  private startedAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private handler: ((delivery: Delivery) => void) | undefined;
  private resetHandler: (() => void) | undefined;
  private lastTickAt = 0;
  private stopped = false;

  constructor(
    private readonly ctx: OrderingContext,
    private readonly timing: TotalOrderTiming,
    private readonly now: () => number = Date.now,
  ) {
    this.members = new Membership(ctx.nodeId, timing.failureTimeoutMs);
    this.pending = new PendingCommands(timing.retryMs, timing.failureTimeoutMs / 2);
    this.batcher = new OrderBatcher(ctx.maxDatagramBytes, (batch) => this.send({ t: 'order', ...batch }));
  }

  start(): void {
    this.startedAt = this.now();
    this.lastTickAt = this.startedAt;
    this.timers.push(setInterval(() => this.onHeartbeatTick(), this.timing.heartbeatMs));
    this.timers.push(setInterval(() => this.onRetryTick(), this.timing.retryMs));
    this.sendHeartbeat();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  onDeliver(handler: (delivery: Delivery) => void): void {
    this.handler = handler;
  }

  onReset(handler: () => void): void {
    this.resetHandler = handler;
  }

  submit(cmd: Command): Origin {
    this.seq++;
    this.pending.add(this.seq, cmd, this.now());
    this.sendData(this.seq, cmd);
    return { from: this.ctx.nodeId, inc: this.ctx.incarnation, seq: this.seq };
  }

  status(): OrderingStatus {
    return {
      mode: 'total',
      role: this.role,
      epoch: this.epoch,
      sequencer: this.leader,
      high: this.role === 'sequencer' ? this.nextGseq - 1 : this.log.high,
      delivered: this.log.delivered,
      pending: this.pending.size,
      members: [this.ctx.nodeId, ...this.members.aliveOthers(this.now())].sort(),
    };
  }

  receive(m: Datagram): void {
    if (this.stopped) return;
    const now = this.now();
    this.members.heard(m.from, now, 'epoch' in m ? m.epoch : undefined);
    if (m.from === this.leader && actsAsLeader(m, this.epoch)) this.leaderSeenAt = now;
    switch (m.t) {
      case 'data':
        this.onData(m);
        return;
      case 'order':
        this.onOrder(m);
        return;
      case 'nack':
        this.onNack(m.from, m.epoch, m.first, m.last);
        return;
      case 'hb':
        this.onHeartbeat(m);
        return;
      case 'takeover':
        if (m.from !== this.ctx.nodeId && this.beats(m.epoch, m.from)) this.follow(m.epoch, m.from, 'takeover');
        if (m.epoch === this.epoch && this.leader === m.from && m.from !== this.ctx.nodeId) {
          this.send({ t: 'sync', epoch: this.epoch, high: this.log.high });
        }
        return;
      case 'sync':
        if (this.role === 'candidate' && m.epoch === this.epoch) this.takeover?.recordSync(m.from, m.high);
        return;
    }
  }

  // --- members ---------------------------------------------------------------------------------------------

  private onHeartbeat(m: HeartbeatMessage): void {
    if (m.from === this.ctx.nodeId || m.role !== 'sequencer') return;
    if (this.beats(m.epoch, m.from)) this.follow(m.epoch, m.from, 'heartbeat');
    if (m.from !== this.leader || m.epoch !== this.epoch) return;
    this.leaderHigh = Math.max(this.leaderHigh, m.high);
    if (!this.leaderActive) {
      // A new sequencer just finished its takeover: what it ignored as a candidate is sent again now.
      this.leaderActive = true;
      this.resendPending(true);
    }
  }

  private onOrder(m: OrderMessage): void {
    const fromLeader = m.from === this.leader && m.from !== this.ctx.nodeId;
    // A candidate collects orders from anyone; otherwise only the current sequencer's count, so a deposed
    // sequencer that has not noticed yet cannot slip in numbers the new one will reuse.
    if (!fromLeader && this.role !== 'candidate') return;
    m.entries.forEach((e, i) => {
      if (!this.insert(m.gseq + i, { origin: e.origin, cmd: e.cmd, epoch: m.epoch })) {
        this.ctx.events?.duplicate?.('order');
      }
    });
    this.deliverReady();
  }

  private onNack(from: string, epoch: number, first: number, last: number): void {
    if (from === this.ctx.nodeId) return;
    const collecting = from === this.leader && epoch === this.epoch && this.role === 'follower';
    if (this.role !== 'sequencer' && !collecting) return;
    const now = this.now();
    let count = 0;
    for (let g = first; g <= Math.min(last, first + NACK_BATCH - 1); g++) {
      const entry = this.log.get(g);
      // One resend serves every member missing it (it is multicast): skip numbers resent a moment ago.
      if (!entry || now - (this.resentAt.get(g) ?? -Infinity) < this.timing.retryMs / 2) continue;
      this.resentAt.set(g, now);
      this.batcher.add(g, entry);
      count++;
    }
    this.batcher.flush();
    if (this.resentAt.size > 4 * NACK_BATCH) this.resentAt.clear();
    if (count > 0) this.ctx.events?.retransmitted?.(count);
  }

  // --- sequencer -------------------------------------------------------------------------------------------

  private onData(m: DataMessage): void {
    if (this.role !== 'sequencer') return;
    const sender = `${m.from}/${m.inc}`;
    const next = this.log.nextSeqOf(m.from, m.inc);
    if (m.seq < next) {
      this.ctx.events?.duplicate?.('data');
      return;
    }
    if (m.seq > next) {
      const waiting = this.held.get(sender) ?? new Map<number, DataMessage>();
      this.held.set(sender, waiting);
      waiting.set(m.seq, m);
      return;
    }
    this.assign({ from: m.from, inc: m.inc, seq: m.seq }, m.cmd);
    const waiting = this.held.get(sender);
    for (let s = m.seq + 1; waiting?.has(s); s++) {
      const later = waiting.get(s)!;
      waiting.delete(s);
      this.assign({ from: later.from, inc: later.inc, seq: later.seq }, later.cmd);
    }
    if (waiting?.size === 0) this.held.delete(sender);
  }

  private assign(origin: Origin, cmd: Command): void {
    const gseq = this.nextGseq++;
    const entry = { origin, cmd, epoch: this.epoch };
    this.insert(gseq, entry);
    this.batcher.add(gseq, entry);
    this.deliverReady();
  }

  // --- log and delivery ------------------------------------------------------------------------------------

  private insert(gseq: number, entry: LogEntry): boolean {
    if (!this.log.insert(gseq, entry)) return false;
    if (entry.origin.from === this.ctx.nodeId && entry.origin.inc === this.ctx.incarnation) {
      this.pending.delete(entry.origin.seq);
    }
    return true;
  }

  private deliverReady(): void {
    this.log.deliverReady((delivery) => this.handler?.(delivery));
  }

  // --- timers ----------------------------------------------------------------------------------------------

  private onHeartbeatTick(): void {
    this.sendHeartbeat();
    const now = this.now();
    // A tick far later than scheduled means this process was not running (CPU starvation, GC, SIGSTOP): the
    // silence of others during that time is ours, not theirs, and must not look like their failure.
    const late = now - this.lastTickAt - this.timing.heartbeatMs;
    if (this.lastTickAt > 0 && late > this.timing.heartbeatMs) {
      this.members.forgive(late);
      this.leaderSeenAt += late;
    }
    this.lastTickAt = now;
    // Discovery: a node that just started listens for an existing sequencer before it may claim the role.
    if (this.role !== 'follower' || now - this.startedAt < this.timing.failureTimeoutMs) return;
    if (this.leader !== null && now - this.leaderSeenAt <= this.timing.failureTimeoutMs) return;
    const candidates = [this.ctx.nodeId, ...this.members.aliveOthers(now)].filter((id) => id !== this.leader).sort();
    if (candidates[0] === this.ctx.nodeId) this.startTakeover(now);
  }

  private onRetryTick(): void {
    this.resendPending(false);
    this.repairGaps();
    if (this.role === 'candidate') this.advanceTakeover();
  }

  private resendPending(all: boolean): void {
    if (this.leader === null || this.role === 'candidate') return;
    this.pending.resend(this.now(), all, (seq, cmd) => this.sendData(seq, cmd));
  }

  private repairGaps(): void {
    const known = Math.max(this.log.high, this.leaderHigh);
    const delivered = this.log.delivered;
    const stalled = delivered === this.deliveredAtLastRepair;
    this.deliveredAtLastRepair = delivered;
    // A gap that persists across one retry period is a loss, not a datagram still in flight.
    if (this.role === 'sequencer' || this.leader === null || delivered >= known || !stalled) return;
    const first = delivered + 1;
    const last = Math.min(known, first + NACK_BATCH - 1);
    this.send({ t: 'nack', epoch: this.epoch, first, last });
    this.ctx.events?.nackSent?.(last - first + 1);
  }

  // --- failover --------------------------------------------------------------------------------------------

  private startTakeover(now: number): void {
    const failed = this.leader;
    this.epoch = Math.max(this.epoch, this.members.highestEpoch()) + 1;
    this.leader = this.ctx.nodeId;
    this.leaderActive = false;
    this.role = 'candidate';
    const waitFor = new Set(this.members.aliveOthers(now).filter((id) => id !== failed));
    this.takeover = new Takeover(now, waitFor, this.ctx.nodeId, this.log.high, this.timing.failureTimeoutMs);
    this.ctx.events?.sequencerChanged?.(this.epoch, this.leader, this.role);
    this.send({ t: 'takeover', epoch: this.epoch });
  }

  private advanceTakeover(): void {
    const now = this.now();
    const step = this.takeover!.step(now, this.log.delivered, (id) => this.members.alive(id, now));
    if (step.kind === 'ask') {
      this.send({ t: 'takeover', epoch: this.epoch });
      return;
    }
    // While fetching, repairGaps asks everyone for the numbers up to `needed` that are still missing here.
    this.leaderHigh = step.needed;
    if (step.kind === 'done') this.becomeSequencer(step.needed);
  }

  private becomeSequencer(needed: number): void {
    this.role = 'sequencer';
    this.leaderActive = true;
    this.takeover = undefined;
    this.nextGseq = this.log.delivered + 1;
    while (this.nextGseq <= needed) {
      const held = this.log.get(this.nextGseq);
      if (held) {
        this.batcher.add(this.nextGseq, held);
        this.nextGseq++;
      } else {
        this.assign({ from: this.ctx.nodeId, inc: 'noop', seq: this.nextGseq }, { op: 'NOOP' });
      }
    }
    this.nextGseq = Math.max(this.nextGseq, this.log.high + 1);
    this.ctx.events?.sequencerChanged?.(this.epoch, this.leader, this.role);
    this.sendHeartbeat();
    this.resendPending(true);
  }

  /** Whether a sequencer claim (`epoch`, `id`) supersedes the one this node follows: higher epoch, then lower id. */
  private beats(epoch: number, id: string): boolean {
    return epoch > this.epoch || (epoch === this.epoch && (this.leader === null || id < this.leader));
  }

  /**
   * Follows a sequencer claim that beats the current one. Learning of it from its `takeover` means this node's log
   * was collected by the new sequencer (it answers `sync`). Learning of it only from a heartbeat means the takeover
   * happened without this node — it was cut off or paused — so what it holds
   * beyond the first number may have been numbered differently by the new sequencer: it drops its log and replica
   * and replays the new sequencer's log from 1.
   */
  private follow(epoch: number, leader: string, via: 'takeover' | 'heartbeat'): void {
    // A deposed sequencer resets either way: it may have numbered commands after the takeover's collection ended.
    const stale = (via === 'heartbeat' || this.role === 'sequencer') && this.log.high > 0;
    this.epoch = epoch;
    this.leader = leader;
    this.leaderSeenAt = this.now();
    this.leaderActive = false;
    this.role = 'follower';
    this.takeover = undefined;
    this.ctx.events?.sequencerChanged?.(epoch, leader, this.role);
    if (stale) this.reset();
  }

  private reset(): void {
    // Own commands this node saw numbered may be missing from the new sequencer's log: send them again (it ignores
    // the ones it already has).
    for (const entry of this.log.from(this.ctx.nodeId, this.ctx.incarnation)) {
      this.pending.restore(entry.origin.seq, entry.cmd);
    }
    this.log.clear();
    this.deliveredAtLastRepair = 0;
    this.leaderHigh = 0;
    this.held.clear();
    this.resentAt.clear();
    this.batcher.discard();
    this.resetHandler?.();
  }

  // --- sending ---------------------------------------------------------------------------------------------

  private sendHeartbeat(): void {
    const high = this.role === 'sequencer' ? this.nextGseq - 1 : this.log.high;
    this.send({ t: 'hb', epoch: this.epoch, leader: this.leader, role: this.role, high });
  }

  private sendData(seq: number, cmd: Command): void {
    this.send({ t: 'data', inc: this.ctx.incarnation, seq, cmd });
  }

  private send(body: DistributiveOmit<Datagram, 'v' | 'from'>): void {
    if (!this.stopped) this.ctx.send({ v: WIRE_VERSION, from: this.ctx.nodeId, ...body } as Datagram);
  }
}

/** Whether `m`, from the node this one follows, shows it still acting as the sequencer (or candidate) of `epoch`. */
function actsAsLeader(m: Datagram, epoch: number): boolean {
  switch (m.t) {
    case 'hb':
      return m.epoch === epoch && m.role !== 'follower';
    case 'takeover':
      return m.epoch === epoch;
    case 'order':
    case 'nack':
      return true;
    default:
      return false;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
