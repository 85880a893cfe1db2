/** A named readiness check; `/readyz` is ready when every registered check passes. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: unknown }>;
}

/** Services add their own checks at start-up (the scheduler adds leadership, for instance). */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  async run(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: unknown }> }> {
    const results = await Promise.all(
      this.checks.map(
        async (c) => [c.name, await c.check().catch((error: Error) => ({ ok: false, detail: error.message }))] as const,
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
