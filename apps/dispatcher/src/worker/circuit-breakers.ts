import type { DeliveryOutcome } from '@hourglass/domain';

export interface CircuitOptions {
  /** Consecutive retryable failures (5xx, 429, timeouts, connection errors) that open a circuit. */
  failureThreshold: number;
  baseOpenMs: number;
  maxOpenMs: number;
  now?: () => number;
}

interface Circuit {
  failures: number;
  openUntil: number;
  openings: number;
  probing: boolean;
}

const PROBE_WAIT_MS = 1_000;

/**
 * One circuit per destination origin, in this dispatcher process. Repeated failures pause the
 * origin with doubling backoff; when the pause ends one probe request goes through, and its
 * outcome closes the circuit or opens it again for longer. Tasks for a paused origin are not
 * sent: their attempt is recorded as `circuit_open` and retried when the pause ends.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds the origin stays paused, or 0 when a request may go now. */
  pausedFor(origin: string): number {
    const circuit = this.circuits.get(origin);
    if (!circuit || circuit.openings === 0) return 0;
    const remaining = circuit.openUntil - this.now();
    if (remaining > 0) return remaining;
    if (circuit.probing) return PROBE_WAIT_MS;
    circuit.probing = true;
    return 0;
  }

  /** Returns true when this outcome opened (or re-opened) the origin's circuit. */
  record(origin: string, outcome: DeliveryOutcome): boolean {
    if (outcome !== 'retryable') {
      // The origin answered (a success, or a 4xx that retrying would not change): it is healthy.
      this.circuits.delete(origin);
      return false;
    }
    const circuit = this.circuits.get(origin) ?? { failures: 0, openUntil: 0, openings: 0, probing: false };
    this.circuits.set(origin, circuit);
    circuit.failures++;
    if (!circuit.probing && circuit.failures < this.options.failureThreshold) return false;
    const pauseMs = Math.min(this.options.maxOpenMs, this.options.baseOpenMs * 2 ** circuit.openings);
    Object.assign(circuit, {
      failures: 0,
      openUntil: this.now() + pauseMs,
      openings: circuit.openings + 1,
      probing: false,
    });
    return true;
  }

  get openCount(): number {
    const now = this.now();
    return [...this.circuits.values()].filter((c) => c.openUntil > now).length;
  }
}
