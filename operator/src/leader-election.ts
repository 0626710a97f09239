import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '@kverse/runtime';
import { isConflict, isNotFound } from './errors.js';

export interface LeaderElectionOptions {
  readonly coordination: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (its pod name). */
  readonly identity: string;
  /** How long a lease holds without renewal before another replica may take it. */
  readonly leaseDurationMs: number;
  /** A leader that has not renewed for this long steps down (shorter than the lease, so two never lead). */
  readonly renewDeadlineMs: number;
  /** Interval between attempts to acquire or renew. */
  readonly retryPeriodMs: number;
  readonly log: Logger;
  /** Called once when this replica becomes leader. */
  readonly onStartedLeading: () => void;
  /** Called once when leadership is lost (not on a clean `stop`); the caller must stop acting at once. */
  readonly onStoppedLeading: () => void;
}

/** MicroTime as the API server parses it (RFC 3339 with exactly six fractional digits). */
function microTime(d: Date): Date {
  return d.toISOString().replace(/Z$/, '000Z') as unknown as Date;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: a replica takes the Lease when it is free
 * or its holder has not renewed it within `leaseDuration` (judged by this replica's own clock since it last saw
 * the Lease change, so clocks need not agree), then renews it every `retryPeriod`. Writes use the Lease's
 * resourceVersion, so of two contenders exactly one wins. On `stop` the leader releases the Lease, letting a
 * successor take over at once instead of after the lease duration.
 */
export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  /** The holder and renew time last seen, and when (local clock) they were seen to change. */
  private observed: { holder: string; renewTime: string; at: number } | undefined;

  constructor(private readonly o: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * Stops campaigning; a leader releases the Lease (best effort) unless `release` is false, which behaves like a
   * crash: the others wait for the lease to expire.
   */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    if (!release) return;
    try {
      const lease = await this.o.coordination.readNamespacedLease({ namespace: this.o.namespace, name: this.o.name });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) };
      await this.o.coordination.replaceNamespacedLease({ namespace: this.o.namespace, name: this.o.name, body: lease });
      this.o.log.info({ lease: this.o.name }, 'released leadership');
    } catch (err) {
      this.o.log.warn({ err }, 'could not release the lease');
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    let ok = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A request that hangs (a half-open connection; the HTTP client waits minutes) must not keep a leader from
      // seeing its renew deadline pass: after renewDeadlineMs it counts as failed, and a leader steps down.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.o.renewDeadlineMs} ms`)),
          this.o.renewDeadlineMs,
        );
      });
      ok = await Promise.race([this.tryAcquireOrRenew(), deadline]);
    } catch (err) {
      this.o.log.warn({ err, lease: this.o.name }, 'lease request failed');
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.o.log.info({ lease: this.o.name, identity: this.o.identity }, 'became leader');
        this.o.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.o.renewDeadlineMs) {
      this.leading = false;
      this.stopped = true;
      this.o.log.error({ lease: this.o.name }, 'lost leadership');
      this.o.onStoppedLeading();
      return;
    }
    this.schedule(this.o.retryPeriodMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { coordination, namespace, name, identity } = this.o;
    const now = new Date();
    const leaseDurationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        await coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = String(spec.renewTime ?? '');
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: Date.now() };
    }
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (heldByOther && Date.now() - this.observed.at < durationMs) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: microTime(now),
      ...(holder === identity
        ? {}
        : { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await coordination.replaceNamespacedLease({ namespace, name, body: lease });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}
