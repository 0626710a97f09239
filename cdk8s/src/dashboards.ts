/**
 * Grafana dashboards as data. Queries use the metric names the apps export (apps/api/src/plugins/metrics.ts,
 * apps/consumer/src/consumer-metrics.ts, packages/redis-cache, apps/grpc-kv/src/grpc/kv-metrics.ts,
 * apps/chat/src/telemetry/chat-telemetry.ts), RabbitMQ's own
 * rabbitmq_prometheus metrics for queue depth, and for the operator the names issue 10 lists, which the operator
 * is to export.
 */

export interface Panel {
  readonly title: string;
  readonly unit: string;
  /** PromQL, with the legend each series gets. */
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
}

const rate = (metric: string, by: string, filter = '') => `sum by (${by}) (rate(${metric}${filter}[5m]))`;
const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket[5m])))`;

export const DASHBOARDS: Readonly<Record<string, Dashboard>> = {
  api: {
    uid: 'kverse-api',
    title: 'KVerse / REST API',
    panels: [
      {
        title: 'Requests by route',
        unit: 'reqps',
        targets: [{ expr: rate('kverse_http_requests_total', 'route'), legend: '{{route}}' }],
      },
      {
        title: 'Errors by status',
        unit: 'reqps',
        targets: [{ expr: rate('kverse_http_requests_total', 'status', '{status=~"4..|5.."}'), legend: '{{status}}' }],
      },
      {
        title: 'Latency p50 / p99',
        unit: 's',
        targets: [
          { expr: quantile(0.5, 'kverse_http_request_duration_seconds', 'route'), legend: 'p50 {{route}}' },
          { expr: quantile(0.99, 'kverse_http_request_duration_seconds', 'route'), legend: 'p99 {{route}}' },
        ],
      },
      {
        title: 'Event-loop lag',
        unit: 's',
        targets: [{ expr: 'max by (pod) (nodejs_eventloop_lag_p99_seconds{app="api"})', legend: '{{pod}}' }],
      },
    ],
  },
  consumer: {
    uid: 'kverse-consumer',
    title: 'KVerse / Write consumers',
    panels: [
      {
        title: 'Write lag (publish to commit, oldest in batch)',
        unit: 's',
        targets: [{ expr: 'max by (pod) (kverse_consumer_lag_seconds)', legend: '{{pod}}' }],
      },
      {
        title: 'Queue depth (messages ready + unacked)',
        unit: 'short',
        targets: [
          { expr: 'sum(rabbitmq_queue_messages_ready)', legend: 'ready' },
          { expr: 'sum(rabbitmq_queue_messages_unacked)', legend: 'unacked' },
        ],
      },
      {
        title: 'Messages settled by outcome',
        unit: 'ops',
        targets: [
          { expr: rate('kverse_consumer_messages_total', 'outcome'), legend: '{{outcome}}' },
          { expr: 'sum(rate(kverse_consumer_dead_lettered_total[5m]))', legend: 'dead-lettered' },
          { expr: 'sum(rate(kverse_consumer_changes_publish_retries_total[5m]))', legend: 'kv.changes retries' },
        ],
      },
      {
        title: 'Partitions owned per replica (consumer group)',
        unit: 'short',
        targets: [
          { expr: 'max by (pod) (kverse_consumer_owned_partitions)', legend: '{{pod}}' },
          {
            expr: 'sum(increase(kverse_consumer_partition_hand_overs_total[5m]))',
            legend: 'hand-overs (5 min)',
          },
        ],
      },
      {
        title: 'Batch apply time p99 and batch size p50',
        unit: 's',
        targets: [
          { expr: quantile(0.99, 'kverse_consumer_apply_seconds', 'job'), legend: 'apply p99' },
          { expr: quantile(0.5, 'kverse_consumer_batch_size', 'job'), legend: 'batch size p50' },
        ],
      },
      {
        title: 'Cache hit ratio',
        unit: 'percentunit',
        targets: [
          {
            expr: 'sum(rate(kverse_cache_reads_total{result="hit"}[5m])) / sum(rate(kverse_cache_reads_total[5m]))',
            legend: 'hit ratio',
          },
          { expr: rate('kverse_cache_fallbacks_total', 'op'), legend: 'fallbacks: {{op}}' },
        ],
      },
    ],
  },
  grpcKv: {
    uid: 'kverse-grpc-kv',
    title: 'KVerse / gRPC KV',
    panels: [
      {
        title: 'Calls by method',
        unit: 'reqps',
        targets: [{ expr: rate('kverse_grpc_kv_requests_total', 'method'), legend: '{{method}}' }],
      },
      {
        title: 'Failed calls by code',
        unit: 'reqps',
        targets: [{ expr: rate('kverse_grpc_kv_requests_total', 'code', '{code!="OK"}'), legend: '{{code}}' }],
      },
      {
        title: 'Latency p99',
        unit: 's',
        targets: [{ expr: quantile(0.99, 'kverse_grpc_kv_request_duration_seconds', 'method'), legend: '{{method}}' }],
      },
      {
        title: 'Watchers and watch events',
        unit: 'short',
        targets: [
          { expr: 'sum(kverse_grpc_kv_watchers)', legend: 'watchers' },
          { expr: 'sum(rate(kverse_grpc_kv_watch_events_total[5m]))', legend: 'events/s' },
          { expr: rate('kverse_grpc_kv_watch_ended_total', 'reason'), legend: 'ended: {{reason}}' },
        ],
      },
    ],
  },
  chat: {
    uid: 'kverse-chat',
    title: 'KVerse / Chat',
    panels: [
      {
        title: 'Open connections',
        unit: 'short',
        targets: [{ expr: 'sum(kverse_chat_connections)', legend: 'connections' }],
      },
      {
        title: 'Messages and deliveries',
        unit: 'ops',
        targets: [
          { expr: 'sum(rate(kverse_chat_messages_total[5m]))', legend: 'messages' },
          { expr: 'sum(rate(kverse_chat_deliveries_total[5m]))', legend: 'deliveries' },
        ],
      },
      {
        title: 'Delivery lag p99',
        unit: 's',
        targets: [{ expr: quantile(0.99, 'kverse_chat_delivery_lag_seconds', 'job'), legend: 'p99' }],
      },
      {
        title: 'Rejected by reason',
        unit: 'ops',
        targets: [{ expr: rate('kverse_chat_rejected_total', 'reason'), legend: '{{reason}}' }],
      },
    ],
  },
  operator: {
    uid: 'kverse-operator',
    title: 'KVerse / Operator',
    panels: [
      {
        title: 'Reconciles and errors',
        unit: 'ops',
        targets: [
          { expr: 'sum(rate(kverse_operator_reconciles_total[5m]))', legend: 'reconciles' },
          { expr: 'sum(rate(kverse_operator_reconcile_errors_total[5m]))', legend: 'errors' },
        ],
      },
      {
        title: 'Reconcile duration p99',
        unit: 's',
        targets: [{ expr: quantile(0.99, 'kverse_operator_reconcile_duration_seconds', 'job'), legend: 'p99' }],
      },
      {
        title: 'Work-queue depth',
        unit: 'short',
        targets: [{ expr: 'max(kverse_operator_queue_depth)', legend: 'depth' }],
      },
    ],
  },
};

/** The Grafana JSON model of a dashboard: one time-series panel per row pair, Prometheus as the data source. */
export function grafanaJson(d: Dashboard): string {
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    datasource: { type: 'prometheus', uid: '$datasource' },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: p.targets.map((t, j) => ({
      refId: String.fromCharCode(65 + j),
      expr: t.expr,
      legendFormat: t.legend,
    })),
  }));
  return JSON.stringify(
    {
      uid: d.uid,
      title: d.title,
      tags: ['kverse'],
      schemaVersion: 39,
      time: { from: 'now-1h', to: 'now' },
      templating: {
        list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }],
      },
      panels,
    },
    null,
    2,
  );
}
