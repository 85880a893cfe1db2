import type { DeliveryOutcome } from '@hourglass/domain';

export interface CircuitOptions {
  /** Consecutive retryable failures (5xx, 429, timeouts, connection errors) that open a circuit. */
  failureThreshold: number;
  baseOpenMs: number;
  maxOpenMs: number;
  /** Most origins remembered; past it the least recently used is forgotten (default 10,000). */
  maxOrigins?: number;
  /** A circuit not open and not touched for this long is forgotten (default twice maxOpenMs, at least a minute). */
  idleMs?: number;
  now?: () => number;
}

interface Circuit {
  failures: number;
  openUntil: number;
  openings: number;
  probing: boolean;
  touchedAt: number;
}

const PROBE_WAIT_MS = 1_000;
const DEFAULT_MAX_ORIGINS = 10_000;

/**
 * One circuit per destination origin, in this dispatcher process. Repeated failures pause the
 * origin with doubling backoff; when the pause ends one probe request goes through, and its
 * outcome closes the circuit or opens it again for longer. Tasks for a paused origin are not
 * sent: their attempt is recorded as `circuit_open` and retried when the pause ends.
 *
 * Bounded: origins come from task URLs, so anyone creating tasks could grow the map without end.
 * The map is kept in least-recently-used order; idle circuits are dropped as they reach its head,
 * and past `maxOrigins` the least recently used one goes (forgetting a circuit only lets a request
 * through early, which the next failures close again).
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;
  private readonly maxOrigins: number;
  private readonly idleMs: number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
    this.maxOrigins = options.maxOrigins ?? DEFAULT_MAX_ORIGINS;
    this.idleMs = options.idleMs ?? Math.max(60_000, 2 * options.maxOpenMs);
  }

  /** Milliseconds the origin stays paused, or 0 when a request may go now. */
  pausedFor(origin: string): number {
    const circuit = this.touch(origin);
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
    const circuit = this.touch(origin) ?? this.add(origin);
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

  /** Origins remembered now (bounded by `maxOrigins`). */
  get size(): number {
    return this.circuits.size;
  }

  /** The origin's circuit, moved to the most recently used end; an idle one is forgotten instead. */
  private touch(origin: string): Circuit | undefined {
    const circuit = this.circuits.get(origin);
    if (!circuit) return undefined;
    this.circuits.delete(origin);
    const now = this.now();
    if (this.isIdle(circuit, now)) return undefined;
    circuit.touchedAt = now;
    this.circuits.set(origin, circuit);
    return circuit;
  }

  private add(origin: string): Circuit {
    const now = this.now();
    this.evict(now);
    const circuit = { failures: 0, openUntil: 0, openings: 0, probing: false, touchedAt: now };
    this.circuits.set(origin, circuit);
    return circuit;
  }

  /** Drops idle circuits from the least recently used end, then the oldest ones while over the bound. */
  private evict(now: number): void {
    for (const [origin, circuit] of this.circuits) {
      if (!this.isIdle(circuit, now) && this.circuits.size < this.maxOrigins) break;
      this.circuits.delete(origin);
    }
  }

  private isIdle(circuit: Circuit, now: number): boolean {
    return circuit.openUntil <= now && now - Math.max(circuit.touchedAt, circuit.openUntil) >= this.idleMs;
  }
}
