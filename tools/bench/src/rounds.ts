import { runBaseline } from './baseline.js';
import { runBullmq } from './bullmq.js';
import type { DrainResult } from './drain.js';
import { runGraphile } from './graphile.js';
import type { BenchResults } from './report.js';
import { stopAll } from './services.js';
import { runThroughput, type PhaseContext } from './throughput.js';

export type Contender = 'hourglass' | 'bullmq' | 'graphile' | 'ceiling';

export const CONTENDER_NAMES: Record<Contender, string> = {
  hourglass: 'Hourglass, 1 dispatcher',
  bullmq: 'BullMQ worker (Redis)',
  graphile: 'graphile-worker, batched',
  ceiling: 'bare pg-boss + undici loop (ceiling)',
};

/** One contender's drain in one round: its result, or why there is none (skipped, failed). */
export interface RoundRun {
  round: number;
  contender: Contender;
  result?: DrainResult;
  note?: string;
}

const ORDER: Contender[] = ['hourglass', 'bullmq', 'graphile', 'ceiling'];
/** Round 2 runs in reverse, so drift on this shared machine shows as a spread instead of biasing one side. */
const ROUNDS = [ORDER, [...ORDER].reverse()];

const RUNNERS: Record<Contender, (ctx: PhaseContext) => Promise<DrainResult | string>> = {
  hourglass: runThroughput,
  bullmq: runBullmq,
  graphile: runGraphile,
  ceiling: runBaseline,
};

/** The existing (a) figures (dispatcher, ceiling) keep their round-1 meaning; round 2 only fills a failed one. */
const LEGACY_KEY = { hourglass: 'throughput', ceiling: 'baseline' } as const;

/** (a) in two rounds: Hourglass, its peers and the ceiling, each on the same N, receiver and in-flight limit. */
export async function runRounds(ctx: PhaseContext, results: BenchResults): Promise<void> {
  const rounds: RoundRun[] = (results.rounds = []);
  for (const [index, order] of ROUNDS.entries()) {
    const round = index + 1;
    for (const contender of order) {
      ctx.log(`(a) round ${round}: ${CONTENDER_NAMES[contender]}`);
      const legacy = contender === 'hourglass' || contender === 'ceiling' ? LEGACY_KEY[contender] : undefined;
      try {
        const outcome = await RUNNERS[contender](ctx);
        if (typeof outcome === 'string') {
          rounds.push({ round, contender, note: outcome });
          ctx.log(`(a) ${contender}: ${outcome}`);
          continue;
        }
        rounds.push({ round, contender, result: outcome });
        if (legacy && !results[legacy]) {
          results[legacy] = outcome;
          delete results.errors[legacy];
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        rounds.push({ round, contender, note: `failed: ${message.split('\n')[0]!.slice(0, 120)}` });
        if (legacy && !results[legacy]) results.errors[legacy] = message;
        ctx.log(`(a) ${contender} failed: ${message}`);
        await stopAll();
      }
    }
  }
}
