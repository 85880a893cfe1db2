/** What one check found. `detail` is for the logs (see HealthController), never for the public answer. */
export interface CheckResult {
  ok: boolean;
  detail?: unknown;
}

/** A named readiness check; `/readyz` is ready when every registered check passes. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<CheckResult>;
}

/** Services add their own checks at start-up (the scheduler adds leadership, for instance). */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  async run(): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
    const results = await Promise.all(
      this.checks.map(
        async (c) =>
          [
            c.name,
            await c.check().catch((error: Error) => ({ ok: false, detail: redactSecrets(error.message) })),
          ] as const,
      ),
    );
    return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  }
}

/** A check that contributes information but never makes the service unready (e.g. "is leader"). */
export const informational = (name: string, detail: () => unknown): ReadinessCheck => ({
  name,
  check: async () => ({ ok: true, detail: detail() }),
});

/**
 * `text` with the password of every URL in it masked (`postgres://user:***@host`), and any
 * `password=…` setting too: a driver error may quote the connection string it was given.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)[^\s&;]+/gi, '$1***');
}
