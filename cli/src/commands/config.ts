import { apiConfigSpec } from '@kverse/api';
import { dataPlaneConfigSpec } from '@kverse/data-plane';
import { type ConfigSpec, describeConfig } from '@kverse/runtime';

/** Every configuration spec of the platform, by the part it configures (the README's table is generated from these). */
export const platformConfigSpecs: ReadonlyArray<readonly [string, ConfigSpec]> = [
  ['REST API (apps/api)', apiConfigSpec],
  ['Data plane (every front door)', dataPlaneConfigSpec],
];

/** The configuration reference as a Markdown table. */
export function configTableMarkdown(): string {
  const rows = ['| Variable | Default | Meaning |', '| --- | --- | --- |'];
  for (const [part, spec] of platformConfigSpecs) {
    rows.push(`| **${part}** | | |`);
    for (const s of describeConfig(spec)) {
      rows.push(
        `| \`${s.env}\` | ${s.default === '(unset)' || s.default === '(required)' ? s.default : `\`${s.default}\``} | ${s.doc.replaceAll('|', '\\|')} |`,
      );
    }
  }
  return rows.join('\n');
}
