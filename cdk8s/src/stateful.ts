import type { BackingServiceSpec } from '@kverse/crd';
import type { Manifest } from './pod.js';

/** The PersistentVolumeClaim template of a backing service's StatefulSet. */
export function dataVolumeClaim(managed: BackingServiceSpec['managed']): Manifest {
  return {
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(managed.storageClassName ? { storageClassName: managed.storageClassName } : {}),
      resources: { requests: { storage: managed.storage } },
    },
  };
}

/** Exec probe running a shell command. */
export function execProbe(command: string, periodSeconds: number, timeoutSeconds: number): Manifest {
  return { exec: { command: ['sh', '-c', command] }, periodSeconds, timeoutSeconds, failureThreshold: 3 };
}
