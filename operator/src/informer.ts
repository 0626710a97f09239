import type { Watch } from '@kubernetes/client-node';
import type { Logger } from '@kverse/runtime';
import type { KubeObject } from './desired.js';
import { isNotFound } from './errors.js';
import { collectionPath } from './managed-kinds.js';
import type { RawClient } from './raw-client.js';

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerOptions {
  readonly raw: RawClient;
  readonly watch: Watch;
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly labelSelector?: string;
  /** Server-side timeout of each watch request; the watch is then resumed from the last resourceVersion. */
  readonly watchTimeoutSeconds: number;
  /**
   * A watch that has delivered nothing (no event, no bookmark, no end) for this long is presumed dead — a
   * half-open connection looks exactly like a quiet one — and the informer relists. Must exceed the watch timeout.
   */
  readonly silenceMs: number;
  readonly log: Logger;
  /** Called for every change of the cache, after it is applied. */
  readonly onEvent: (type: InformerEvent, obj: KubeObject) => void;
}

/**
 * A list+watch cache of one kind across all namespaces (optionally filtered by labels). Lists, then watches from
 * the list's resourceVersion with bookmarks; a watch that ends is resumed, a `410 Gone` or any error leads to a
 * relist (whose differences are delivered as events), and a watchdog relists when the watch goes silent.
 */
export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private hasSynced = false;
  private relists = 0;

  constructor(private readonly o: InformerOptions) {}

  /** Lists once and starts watching; resolves when the cache holds the first full list. */
  async start(): Promise<void> {
    // The first list is retried until it succeeds (an API server that is starting, or re-initialising storage
    // after a CRD change, answers 429/5xx for a while); only "this API is not served" (404) is final.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.relist();
        break;
      } catch (err) {
        if (this.stopped || isNotFound(err)) throw err;
        this.o.log.warn({ kind: this.o.kind, err: String(err), attempt }, 'initial list failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
      }
    }
    this.hasSynced = true;
    this.startWatch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.watchdog);
    this.abort?.abort();
  }

  /** True once the first list has been loaded. */
  get synced(): boolean {
    return this.hasSynced;
  }

  /** How many times the informer relisted after its first list (watch errors, expiry, watchdog). */
  get relistCount(): number {
    return this.relists;
  }

  /** The cached object `namespace/name`, if any. */
  get(key: string): KubeObject | undefined {
    return this.cache.get(key);
  }

  /** Every cached object. */
  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  private async relist(): Promise<void> {
    const { raw, apiVersion, kind, plural, labelSelector } = this.o;
    const res = await raw.list({ apiVersion, plural }, labelSelector);
    const seen = new Set<string>();
    for (const item of res.items) {
      const obj = { ...item, apiVersion, kind };
      const key = keyOf(obj);
      seen.add(key);
      const before = this.cache.get(key);
      this.cache.set(key, obj);
      if (!before) this.o.onEvent('ADDED', obj);
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) this.o.onEvent('MODIFIED', obj);
    }
    for (const [key, obj] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.o.onEvent('DELETED', obj);
      }
    }
    this.resourceVersion = res.metadata?.resourceVersion ?? '';
  }

  private startWatch(): void {
    if (this.stopped) return;
    const { watch, apiVersion, plural, labelSelector, watchTimeoutSeconds, silenceMs } = this.o;
    let needRelist = false;
    let ended = false;
    // Each watch ends exactly once, whichever comes first: the server closing it, an error, or the watchdog.
    const end = (relist: boolean) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.watchdog);
      this.abort?.abort();
      this.restart(relist || needRelist);
    };
    const armWatchdog = () => {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => {
        this.o.log.warn({ kind: this.o.kind, silenceMs }, 'watch went silent; relisting');
        end(true);
      }, silenceMs);
      this.watchdog.unref();
    };
    armWatchdog();
    watch
      .watch(
        collectionPath({ apiVersion, plural }),
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: watchTimeoutSeconds,
          ...(labelSelector ? { labelSelector } : {}),
        },
        (type: string, obj: KubeObject) => {
          if (ended) return;
          armWatchdog();
          this.failures = 0;
          if (type === 'BOOKMARK') {
            this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
          } else if (type === 'ERROR') {
            // 410 Gone: our resourceVersion is older than etcd's compaction; only a relist recovers.
            needRelist = true;
          } else if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            const full = { ...obj, apiVersion: this.o.apiVersion, kind: this.o.kind };
            this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
            if (type === 'DELETED') this.cache.delete(keyOf(full));
            else this.cache.set(keyOf(full), full);
            this.o.onEvent(type, full);
          }
        },
        (err: unknown) => {
          if (ended) return;
          if (err && !this.stopped) {
            this.failures += 1;
            this.o.log.warn({ kind: this.o.kind, err: String(err) }, 'watch failed');
          }
          end(Boolean(err));
        },
      )
      .then((abort) => {
        if (ended) abort.abort();
        else this.abort = abort;
      })
      .catch((err: unknown) => {
        if (!this.stopped) {
          this.failures += 1;
          this.o.log.warn({ kind: this.o.kind, err: String(err) }, 'watch request failed');
        }
        end(true);
      });
  }

  /** Resumes watching, relisting first when the watch cannot simply continue; backs off on repeated failures. */
  private restart(relist: boolean): void {
    clearTimeout(this.watchdog);
    if (this.stopped) return;
    const delay = this.failures === 0 ? 0 : Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
    const timer = setTimeout(async () => {
      if (this.stopped) return;
      try {
        if (relist) {
          this.relists += 1;
          await this.relist();
        }
        this.startWatch();
      } catch (err) {
        this.failures += 1;
        this.o.log.warn({ kind: this.o.kind, err, failures: this.failures }, 'relist failed; retrying');
        this.restart(true);
      }
    }, delay);
    timer.unref();
  }
}

/** `namespace/name` of an object (cluster-scoped objects: `name`). */
export function keyOf(o: Pick<KubeObject, 'metadata'>): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
