import { accessConfigSpec } from '@kverse/access';
import { apiConfigSpec } from '@kverse/api';
import { chatConfigSpec } from '@kverse/chat';
import { consumerConfigSpec } from '@kverse/consumer';
import { dataPlaneConfigSpec, distributedConfigSpec } from '@kverse/data-plane';
import { grpcKvConfigSpec } from '@kverse/grpc-kv';
import { multicastNodeConfig } from '@kverse/multicast-node';
import { type ConfigSpec, describeConfig } from '@kverse/runtime';
import { telemetryConfigSpec } from '@kverse/telemetry';
import { clientConfigSpec } from './client-config.js';

/** Every configuration spec of the platform, by the part it configures (the README's table is generated from these). */
export const platformConfigSpecs: ReadonlyArray<readonly [string, ConfigSpec]> = [
  ['REST API (apps/api)', apiConfigSpec],
  ['Access: tokens, rate limits, audit (REST and gRPC)', accessConfigSpec],
  ['Data plane (every front door)', dataPlaneConfigSpec],
  ['Data plane services (set a URL to use the real service)', distributedConfigSpec],
  ['Write consumer (apps/consumer)', consumerConfigSpec],
  ['gRPC KV (apps/grpc-kv)', grpcKvConfigSpec],
  ['Chat (apps/chat)', chatConfigSpec],
  ['Tracing (every app: OpenTelemetry, see docs/tracing.md)', telemetryConfigSpec],
  ['Multicast node (apps/multicast-node)', multicastNodeConfig],
  ['Client commands (kverse kv)', clientConfigSpec],
];

/** The configuration reference as a Markdown table. */
export function configTableMarkdown(): string {
  const rows = ['| Variable | Default | Meaning |', '| --- | --- | --- |'];
  for (const [part, spec] of platformConfigSpecs) {
    rows.push(`| **${part}** | | |`);
    for (const s of describeConfig(spec)) {
      const shown = s.default === '(unset)' || s.default === '(required)' ? s.default : `\`${s.default}\``;
      rows.push(`| \`${s.env}\` | ${shown} | ${s.doc.replaceAll('|', '\\|')} |`);
    }
  }
  return rows.join('\n');
}
