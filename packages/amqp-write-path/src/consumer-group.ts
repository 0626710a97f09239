import { randomBytes } from 'node:crypto';
import type { Logger } from '@kverse/runtime';
import type { Channel, ChannelModel } from 'amqplib';
import { CONSUMERS_EXCHANGE, fnv1a32 } from './topology.js';

/**
 * The owner of each partition among `members`: rendezvous (highest random weight) hashing with bounded loads. Every
 * (partition, member) pair gets a weight from a hash; going through the pairs from the heaviest down, a partition
 * goes to the member of its pair unless it has an owner already or that member has its share — first
 * `floor(partitions / members)` each, then, in a second pass, one more for the partitions left. Every member computes
 * the same answer from the same set; each gets `floor` or `ceil` of `partitions / members` (plain rendezvous can leave
 * a member with nothing when there are few partitions, 8 by default); and a member joining or leaving moves few of
 * the other partitions.
 */
export function partitionOwners(members: readonly string[], partitions: number): string[] {
  if (members.length === 0) return [];
  const pairs: Array<{ p: number; member: string; weight: number }> = [];
  for (let p = 0; p < partitions; p++) {
    for (const member of members) pairs.push({ p, member, weight: mix32(fnv1a32(`${member}/${p}`)) });
  }
  pairs.sort((x, y) => y.weight - x.weight || (x.member < y.member ? -1 : x.member > y.member ? 1 : x.p - y.p));
  const owners: string[] = new Array(partitions);
  const load = new Map<string, number>();
  const floor = Math.floor(partitions / members.length);
  for (const share of [floor, floor + 1]) {
    for (const { p, member } of pairs) {
      if (owners[p] !== undefined || (load.get(member) ?? 0) >= share) continue;
      owners[p] = member;
      load.set(member, (load.get(member) ?? 0) + 1);
    }
  }
  return owners;
}

/** MurmurHash3's finaliser: FNV-1a alone spreads strings that differ in one character too little for the weights. */
function mix32(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface ConsumerGroupOptions {
  readonly partitions: number;
  /** Names this process in the member ids (each connection joins as a new member). */
  readonly instance: string;
  /** Time between heartbeats; a member unheard for three of them has left. @default 1000 */
  readonly heartbeatMs?: number;
  /** Called whenever the members change, with the new view. */
  readonly onChange: (view: GroupView) => void;
  readonly logger: Logger;
}

export interface GroupView {
  readonly self: string;
  /** Every member this one has heard from lately, itself included, sorted. */
  readonly members: readonly string[];
  /** The partitions this member owns. */
  readonly owned: ReadonlySet<number>;
}

interface Heartbeat {
  readonly member: string;
  readonly leaving?: boolean;
}

/**
 * The write consumers' membership, so that the partitions are spread over them instead of all going to whichever
 * replica subscribed first (each partition queue has a single active consumer, and RabbitMQ hands a queue to the
 * next consumer in line only when the active one goes away). Every member publishes a heartbeat to the
 * `kv.consumers` fanout exchange and listens to everyone's; the partitions are divided by {@link partitionOwners}
 * over the members heard from in the last three heartbeats. The group only says who should own what: each consumer
 * stays subscribed to every partition (so a crashed member's partitions pass to the next in line at once) and hands
 * over a partition it is active on but does not own by finishing what it took from there, closing that subscription
 * (what it had not started goes back to the queue, ahead of everything else) and subscribing again, which puts it at
 * the back of that queue's line, behind the owner.
 */
export class ConsumerGroup {
  readonly self: string;
  private readonly heartbeatMs: number;
  private readonly lastHeard = new Map<string, number>();
  private view: GroupView;
  /** Each partition's owner under the current view. */
  private owners: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly channel: Channel,
    private readonly options: ConsumerGroupOptions,
  ) {
    this.self = `${options.instance}.${randomBytes(4).toString('hex')}`;
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.view = this.viewOf([this.self]);
  }

  /** Joins on `connection`: listens to the group, then announces itself. Alone until it hears the others. */
  static async join(connection: ChannelModel, options: ConsumerGroupOptions): Promise<ConsumerGroup> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const group = new ConsumerGroup(channel, options);
    // Without its heartbeats the others would divide this member's partitions while it still drains them: a channel
    // the broker closes takes the connection down with it, and the reconnect joins again.
    channel.on('close', () => {
      if (!group.stopped) connection.close().catch(() => undefined);
    });
    await channel.assertExchange(CONSUMERS_EXCHANGE, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, CONSUMERS_EXCHANGE, '');
    await channel.consume(queue, (msg) => msg && group.hear(msg.content), { noAck: true });
    group.beat();
    return group;
  }

  /** The current view: the members heard from and the partitions this one owns. */
  get current(): GroupView {
    return this.view;
  }

  owns(partition: number): boolean {
    return this.view.owned.has(partition);
  }

  /**
   * Whether another member owns `partition` and was heard from within the last heartbeat interval (and a half, for
   * timer jitter) — so it is surely alive and in line for the partition's queue. An owner that has gone quiet may
   * have crashed, and a partition handed over to it would only come back.
   */
  ownerHeardLately(partition: number): boolean {
    const owner = this.owners[partition];
    const at = owner === undefined || owner === this.self ? undefined : this.lastHeard.get(owner);
    return at !== undefined && Date.now() - at <= 1.5 * this.heartbeatMs;
  }

  /** Tells the others this member is leaving (they take its partitions over at once) and stops the heartbeat. */
  async leave(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    this.publish({ member: this.self, leaving: true });
    await this.channel.close().catch(() => undefined);
  }

  /** Stops the heartbeat (the connection went: the others notice the silence). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private beat(): void {
    if (this.stopped) return;
    this.publish({ member: this.self });
    this.expire();
    this.timer = setTimeout(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  private publish(heartbeat: Heartbeat): void {
    try {
      this.channel.publish(CONSUMERS_EXCHANGE, '', Buffer.from(JSON.stringify(heartbeat)), {
        contentType: 'application/json',
      });
    } catch {
      // The channel is closed: the connection is going, and with it this membership.
    }
  }

  private hear(content: Buffer): void {
    let heartbeat: Heartbeat;
    try {
      heartbeat = JSON.parse(content.toString('utf8')) as Heartbeat;
    } catch {
      return;
    }
    if (typeof heartbeat.member !== 'string' || heartbeat.member === this.self) return;
    const known = this.lastHeard.has(heartbeat.member);
    if (heartbeat.leaving) {
      if (known) {
        this.lastHeard.delete(heartbeat.member);
        this.changed();
      }
      return;
    }
    this.lastHeard.set(heartbeat.member, Date.now());
    if (!known) this.changed();
  }

  /** Forgets members unheard for three heartbeats. */
  private expire(): void {
    const horizon = Date.now() - 3 * this.heartbeatMs;
    let gone = false;
    for (const [member, at] of this.lastHeard) {
      if (at < horizon) {
        this.lastHeard.delete(member);
        gone = true;
      }
    }
    if (gone) this.changed();
  }

  private changed(): void {
    if (this.stopped) return;
    this.view = this.viewOf([this.self, ...this.lastHeard.keys()]);
    this.options.logger.info(
      { members: this.view.members.length, owned: [...this.view.owned] },
      'write consumers changed; partitions divided again',
    );
    this.options.onChange(this.view);
  }

  private viewOf(members: string[]): GroupView {
    const sorted = [...members].sort();
    const owners = partitionOwners(sorted, this.options.partitions);
    this.owners = owners;
    const owned = new Set<number>();
    owners.forEach((owner, p) => {
      if (owner === this.self) owned.add(p);
    });
    return { self: this.self, members: sorted, owned };
  }
}
