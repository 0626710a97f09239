import { hostname } from 'node:os';
import { createMetricsRegistry, type Logger, type Registry } from '@kverse/runtime';
import type { OperatorConfig } from './config.js';
import { Controller } from './controller.js';
import { EventRecorder } from './events.js';
import { type Listening, serveHealth, serveMetrics } from './http-server.js';
import { kubeClients } from './kube.js';
import { LeaderElector } from './leader-election.js';
import { OperatorMetrics } from './metrics.js';
import { WorkQueue } from './work-queue.js';

/** A running operator. */
export interface RunningOperator {
  readonly identity: string;
  readonly registry: Registry;
  readonly metricsPort: number;
  readonly healthPort: number;
  /** True while this replica leads (always true without leader election). */
  isLeader(): boolean;
  /** The controller, while leading. */
  controller(): Controller | undefined;
  /** Resolves when leadership is lost; the process should then exit so that it restarts as a follower. */
  readonly lostLeadership: Promise<void>;
  /**
   * Stops reconciling, releases the Lease (unless `releaseLease` is false, which acts like a crash: other
   * replicas take over only once the lease expires) and closes the servers.
   */
  stop(options?: { releaseLease?: boolean }): Promise<void>;
}

/**
 * Starts the operator: health and metrics servers at once, then — once this replica leads — the controller.
 * The same function runs in the container (main.ts) and in-process in the acceptance tests.
 */
export async function startOperator(config: OperatorConfig, log: Logger): Promise<RunningOperator> {
  const kube = kubeClients(config.kubeconfig);
  const identity = config.podName || `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const registry = createMetricsRegistry({ component: 'operator' });
  const queue = new WorkQueue({ baseDelayMs: config.retryBaseMs, maxDelayMs: config.retryMaxMs });
  const metrics = new OperatorMetrics(registry, () => queue.length);
  let controller: Controller | undefined;
  let leading = false;
  let onLost: () => void = () => {};
  const lostLeadership = new Promise<void>((resolve) => {
    onLost = resolve;
  });

  const startController = () => {
    leading = true;
    controller = new Controller({
      kube,
      queue,
      events: new EventRecorder(kube.core, log),
      metrics,
      log,
      workers: config.workers,
      resyncSeconds: config.resyncSeconds,
      watchTimeoutSeconds: config.watchTimeoutSeconds,
    });
    controller.start().catch((err: unknown) => {
      log.error({ err }, 'controller failed to start');
      onLost();
    });
  };

  const health: Listening = await serveHealth(config.healthPort, () => !leading || (controller?.synced ?? false));
  const metricsServer: Listening = await serveMetrics(config.metricsPort, registry);
  const elector = config.leaderElection
    ? new LeaderElector({
        coordination: kube.coordination,
        namespace: config.podNamespace,
        name: config.leaseName,
        identity,
        leaseDurationMs: config.leaseDurationSeconds * 1000,
        // client-go's proportions (15 s lease, 10 s renew deadline, 2 s retry): a leader gives up well before
        // anyone else may take the Lease, and renews several times within a deadline.
        renewDeadlineMs: (config.leaseDurationSeconds * 1000 * 2) / 3,
        retryPeriodMs: Math.max(500, (config.leaseDurationSeconds * 1000 * 2) / 15),
        log,
        onStartedLeading: startController,
        onStoppedLeading: () => {
          // Another replica may lead already: stop acting immediately.
          leading = false;
          void controller?.stop();
          onLost();
        },
      })
    : undefined;
  if (elector) elector.start();
  else startController();
  log.info({ identity, metricsPort: metricsServer.port, healthPort: health.port }, 'operator started');

  return {
    identity,
    registry,
    metricsPort: metricsServer.port,
    healthPort: health.port,
    isLeader: () => leading,
    controller: () => controller,
    lostLeadership,
    async stop({ releaseLease = true } = {}) {
      leading = false;
      await controller?.stop();
      await elector?.stop(releaseLease);
      await health.close();
      await metricsServer.close();
    },
  };
}
