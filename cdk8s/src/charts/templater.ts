import { stringify } from 'yaml';

/** A synthesised object, loosely typed so the chart generator can put markers anywhere in it. */
// biome-ignore lint/suspicious/noExplicitAny: the generator edits arbitrary Kubernetes objects
export type Obj = Record<string, any>;

type Entry =
  | { readonly kind: 'expr'; readonly expr: string }
  | { readonly kind: 'yaml'; readonly expr: string }
  | { readonly kind: 'ifKey'; readonly cond: string; readonly expr: string }
  | { readonly kind: 'ifItem'; readonly cond: string; readonly then: Obj; readonly otherwise?: Obj };

/**
 * Turns synthesised objects into Helm templates. The generator replaces values in the objects with markers
 * (`@@<n>@@`), serialises them as YAML, then swaps each marker for the template text it stands for. Markers keep
 * the YAML structure valid until the last step, so the output is the synth's own serialisation plus directives.
 */
export class Templater {
  private readonly entries: Entry[] = [];

  private mark(entry: Entry): string {
    this.entries.push(entry);
    return `@@${this.entries.length - 1}@@`;
  }

  /** A scalar (or part of a string) rendered by `{{ expr }}`. */
  expr(expr: string): string {
    return this.mark({ kind: 'expr', expr });
  }

  /** A value from values.yaml; strings are quoted so `1.0` stays a string. */
  value(path: string, quote = false): string {
    return this.expr(`.Values.${path}${quote ? ' | quote' : ''}`);
  }

  /** A whole map or list from values.yaml (`toYaml`). */
  yaml(path: string): string {
    return this.mark({ kind: 'yaml', expr: `.Values.${path}` });
  }

  /** A key rendered only when `cond` holds. */
  ifKey(cond: string, expr: string): string {
    return this.mark({ kind: 'ifKey', cond, expr });
  }

  /** A list item that is `then` when `cond` holds, else `otherwise` (no item when `otherwise` is not given). */
  ifItem(cond: string, then: Obj, otherwise?: Obj): string {
    return this.mark({ kind: 'ifItem', cond, then, ...(otherwise ? { otherwise } : {}) });
  }

  /** The YAML of `objects` with every marker replaced, each wrapped in its `{{ if }}` when it has one. */
  render(
    objects: ReadonlyArray<{ readonly object: Obj; readonly condition?: string }>,
    names: Record<string, string>,
  ): string {
    return objects
      .map(({ object, condition }) => {
        let text = stringify(object, { lineWidth: 0 });
        // Text that looks like a template action already (Grafana legends) must reach the output unchanged.
        text = text.replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
        text = this.replaceMarkers(text);
        for (const [from, to] of Object.entries(names)) text = text.replaceAll(from, to);
        return condition ? `{{- if ${condition} }}\n---\n${text}{{- end }}\n` : `---\n${text}`;
      })
      .join('');
  }

  private replaceMarkers(text: string): string {
    const lines = text.split('\n').flatMap((line) => {
      const m = /^(\s*)(- )?([^\s:]+): "?@@(\d+)@@"?$/.exec(line) ?? /^(\s*)(- )"?@@(\d+)@@"?$/.exec(line);
      if (!m) return [line];
      const isItem = m.length === 4 || m[4] === undefined;
      const entry = this.entries[Number(isItem ? m[3] : m[4])]!;
      const indent = m[1]!;
      if (isItem && entry.kind === 'ifItem') {
        const item = (o: Obj) =>
          stringify([o], { lineWidth: 0 })
            .trimEnd()
            .split('\n')
            .map((l) => indent + l);
        return [
          `${indent}{{- if ${entry.cond} }}`,
          ...item(entry.then),
          ...(entry.otherwise ? [`${indent}{{- else }}`, ...item(entry.otherwise)] : []),
          `${indent}{{- end }}`,
        ];
      }
      if (isItem) return [line];
      const key = `${indent}${m[2] ?? ''}${m[3]}:`;
      const depth = indent.length + (m[2] ? 2 : 0) + 2;
      if (entry.kind === 'yaml') return [`${key} {{- toYaml ${entry.expr} | nindent ${depth} }}`];
      if (entry.kind === 'ifKey')
        return [`${indent}{{- if ${entry.cond} }}`, `${key} {{ ${entry.expr} }}`, `${indent}{{- end }}`];
      return [line];
    });
    const inline = (whole: string, n: string) => {
      const entry = this.entries[Number(n)]!;
      if (entry.kind !== 'expr') throw new Error(`marker ${whole} of kind ${entry.kind} is not on a line of its own`);
      return `{{ ${entry.expr} }}`;
    };
    return lines
      .join('\n')
      .replace(/"@@(\d+)@@"/g, inline)
      .replace(/@@(\d+)@@/g, inline);
  }
}
