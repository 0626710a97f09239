/** A dependency a readiness endpoint reports on. */
export interface ReadinessCheck {
  readonly name: string;
  /** False when a failure degrades service but does not stop it (e.g. a cache: reads fall back to the database). */
  readonly required: boolean;
  check(): Promise<CheckResult> | CheckResult;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}
