/**
 * The seed's client is a Go program whose `flag` package accepts `-name=value`, `-name value`, `--name=value` and
 * `--name value` alike. Commander only knows `--name` for long options, so single-dash long flags are rewritten
 * to double-dash before parsing. Only the names in `longNames` are rewritten: anything else (a negative number as
 * a value, a real short option) passes through untouched.
 */
export function goFlagsToCommander(argv: readonly string[], longNames: ReadonlySet<string>): string[] {
  return argv.map((arg) => {
    const match = /^-([A-Za-z][\w-]*)(=.*)?$/s.exec(arg);
    return match && longNames.has(match[1]!) ? `-${arg}` : arg;
  });
}
