import { API_VERSION, KIND, PLURAL } from '@kverse/crd';
import type { Logger } from '@kverse/runtime';
import { controllingKVStore, isOwnedBy, type KubeObject, MANAGED_BY, MANAGED_BY_LABEL } from './desired.js';
import { isConflict, isNotFound } from './errors.js';
import type { EventRecorder } from './events.js';
import { Informer, keyOf } from './informer.js';
import type { KubeClients } from './kube.js';
import { MANAGED_KINDS, type ManagedKind } from './managed-kinds.js';
import type { OperatorMetrics } from './metrics.js';
import { type ObservedState, Reconciler } from './reconciler.js';
import type { WorkQueue } from './work-queue.js';

export interface ControllerOptions {
  readonly kube: KubeClients;
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  readonly workers: number;
  readonly resyncSeconds: number;
  readonly watchTimeoutSeconds: number;
}

/**
 * The KVStore controller: informers on KVStores and on every managed kind (filtered by the managed-by label),
 * a work queue keyed by `namespace/name`, and workers running the {@link Reconciler}. A change to a KVStore, or
 * to any object a KVStore controls, queues that KVStore; every KVStore is also queued once per resync period.
 */
export class Controller implements ObservedState {
  private readonly kvstores: Informer;
  private readonly children = new Map<string, Informer>();
  private readonly reconciler: Reconciler;
  private resync: NodeJS.Timeout | undefined;
  private workersDone: Promise<void> | undefined;
  private started = false;

  constructor(private readonly o: ControllerOptions) {
    const common = {
      raw: o.kube.raw,
      watch: o.kube.watch,
      watchTimeoutSeconds: o.watchTimeoutSeconds,
      // Twice the server's own timeout plus a minute: a healthy watch always ends or sends a bookmark before.
      silenceMs: (o.watchTimeoutSeconds * 2 + 60) * 1000,
      log: o.log,
    };
    this.kvstores = new Informer({
      ...common,
      apiVersion: API_VERSION,
      kind: KIND,
      plural: PLURAL,
      onEvent: (_type, obj) => o.queue.add(keyOf(obj)),
    });
    for (const k of MANAGED_KINDS) {
      this.children.set(
        kindKey(k.apiVersion, k.kind),
        new Informer({
          ...common,
          ...k,
          labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
          onEvent: (_type, obj) => {
            const owner = controllingKVStore(obj);
            if (owner) o.queue.add(owner);
          },
        }),
      );
    }
    this.reconciler = new Reconciler(o.kube, this, o.events, o.log);
  }

  /** True once every informer has its first list (the readiness probe). */
  get synced(): boolean {
    return this.kvstores.synced && [...this.children.values()].every((i) => i.synced);
  }

  /**
   * Starts the informers (waiting for their first lists, so reconciles see a full cache), the workers and the
   * resync timer. A managed kind whose API is not served (an optional CRD such as ServiceMonitor) is not watched;
   * applying such an object fails and the KVStore's status says so.
   */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all(
      [...this.children.entries()].map(async ([key, informer]) => {
        const kind = MANAGED_KINDS.find((k) => kindKey(k.apiVersion, k.kind) === key) as ManagedKind;
        try {
          await informer.start();
        } catch (err) {
          if (!(kind.optional && isNotFound(err))) throw err;
          this.o.log.info({ kind: kind.kind }, 'API not served; not watching it');
          this.children.delete(key);
        }
      }),
    );
    await this.kvstores.start();
    this.workersDone = Promise.all(Array.from({ length: this.o.workers }, () => this.work())).then(() => undefined);
    this.resync = setInterval(() => {
      for (const kv of this.kvstores.list()) this.o.queue.add(keyOf(kv));
    }, this.o.resyncSeconds * 1000);
    this.resync.unref();
  }

  /** Stops the informers and the queue; waits for running reconciles to finish. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    this.o.queue.shutDown();
    this.kvstores.stop();
    for (const i of this.children.values()) i.stop();
    if (this.started) await this.workersDone;
  }

  get(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.children.get(kindKey(apiVersion, kind))?.get(`${namespace}/${name}`);
  }

  ownedBy(namespace: string, uid: string): KubeObject[] {
    return [...this.children.values()].flatMap((i) =>
      i.list().filter((o) => o.metadata.namespace === namespace && isOwnedBy(o, uid)),
    );
  }

  /** Total relists after the first list, over all informers (watch errors, expiry, watchdog). */
  get relists(): number {
    return [this.kvstores, ...this.children.values()].reduce((n, i) => n + i.relistCount, 0);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.o.queue.get();
      if (key === undefined) return;
      const [namespace, name] = key.split('/') as [string, string];
      const end = this.o.metrics.duration.startTimer();
      try {
        const result = await this.reconciler.reconcile(namespace, name);
        this.o.metrics.reconciles.inc({ result: result.gone ? 'gone' : 'success' });
        this.o.queue.forget(key);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        this.o.metrics.reconciles.inc({ result: 'error' });
        this.o.metrics.errors.inc({ code: typeof code === 'string' ? code : 'KV_ERR_INTERNAL' });
        const delayMs = this.o.queue.addRateLimited(key);
        if (isConflict((err as { cause?: unknown }).cause)) {
          // Someone changed the KVStore while it was reconciled: expected, and the retry reads it afresh.
          this.o.log.debug({ kvstore: key, retryInMs: delayMs }, 'KVStore changed during reconcile; retrying');
        } else {
          this.o.log.warn({ err, kvstore: key, retryInMs: delayMs }, 'reconcile failed; retrying');
        }
      } finally {
        end();
        this.o.queue.done(key);
      }
    }
  }
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}
