import type { CoreV1Api } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '@kverse/crd';
import type { Logger } from '@kverse/runtime';

export type EventType = 'Normal' | 'Warning';

/** The KVStore an Event is about. */
export interface EventSubject {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/**
 * Records core/v1 Events on KVStores (`kubectl describe kvstore` shows them). The reconciler emits one per
 * notable transition only — created, ready, paused, a refused scale-down, an invalid spec — never per reconcile.
 * Failing to record an Event is logged and otherwise ignored: it must never fail a reconcile.
 */
export class EventRecorder {
  constructor(
    private readonly core: CoreV1Api,
    private readonly log: Logger,
    private readonly component = 'kverse-operator',
  ) {}

  async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: subject.namespace,
        body: {
          metadata: { generateName: `${subject.name}.`, namespace: subject.namespace },
          involvedObject: {
            apiVersion: API_VERSION,
            kind: KIND,
            name: subject.name,
            namespace: subject.namespace,
            uid: subject.uid,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn({ err, reason, kvstore: `${subject.namespace}/${subject.name}` }, 'could not record event');
    }
  }
}
