/**
 * True when every field of `desired` has the same value in `observed`; fields only `observed` has (server
 * defaults, status, other managers' fields) are ignored. Arrays must have the same length and match element by
 * element (so an element that lost a field still matches: the desired-object hash annotation catches that);
 * scalars compare strictly (a server-normalised quantity counts as different, which only costs a
 * no-op apply). The operator skips applying an object whose desired fields all hold already: the apply would be a
 * no-op, and skipping it saves a request per object on every reconcile.
 */
export function isSubset(desired: unknown, observed: unknown): boolean {
  if (desired === observed) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(observed) && desired.length === observed.length && desired.every((d, i) => isSubset(d, observed[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
    const o = observed as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, o[k]));
  }
  return false;
}
