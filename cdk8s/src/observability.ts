import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { APPS, type FrontDoorAppName, MULTICAST_NODE } from './apps.js';
import { type ComponentProps, objectName } from './context.js';
import { DASHBOARDS, grafanaJson } from './dashboards.js';
import { commonLabels, selectorLabels } from './labels.js';

/**
 * ServiceMonitors for every enabled app (only when `monitoring.serviceMonitors.enabled`: the kind exists only
 * where the Prometheus Operator is installed) and Grafana dashboards in ConfigMaps labelled for Grafana's sidecar.
 */
export class Observability extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx } = props;
    const { serviceMonitors, dashboards } = ctx.spec.monitoring;
    const targets: Array<{ component: string; port: string; enabled: boolean }> = [
      ...(Object.keys(APPS) as FrontDoorAppName[]).map((app) => ({
        component: APPS[app].component,
        port: APPS[app].metricsPort,
        enabled: ctx.spec.apps[app].enabled,
      })),
      { component: MULTICAST_NODE.component, port: 'http', enabled: ctx.spec.apps.multicastNode.enabled },
    ];
    if (serviceMonitors.enabled) {
      for (const t of targets.filter((x) => x.enabled)) {
        new ApiObject(this, `service-monitor-${t.component}`, {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: {
            name: objectName(ctx, t.component),
            labels: { ...commonLabels(ctx.instance, t.component), ...serviceMonitors.labels },
          },
          spec: {
            selector: { matchLabels: selectorLabels(ctx.instance, t.component) },
            endpoints: [{ port: t.port, path: '/metrics', interval: serviceMonitors.interval }],
          },
        });
      }
    }
    if (dashboards.enabled) {
      for (const key of ['api', 'consumer', 'grpcKv', 'chat'] as const) {
        const d = DASHBOARDS[key]!;
        new ApiObject(this, `dashboard-${key}`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: objectName(ctx, 'dashboard', d.uid.replace(/^kverse-/, '')),
            labels: { ...commonLabels(ctx.instance, 'dashboards'), [dashboards.label]: '1' },
          },
          data: { [`${d.uid}.json`]: grafanaJson(d) },
        });
      }
    }
  }
}
