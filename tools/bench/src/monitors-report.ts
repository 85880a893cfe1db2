import type { MonitorsResult } from './monitors.js';
import type { Row } from './report.js';

const ms = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} ms`;
const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const info = (figure: string, value: string): Row => ({ figure, value, target: '', status: 'info' });
const TARGET_MS = 5_000;

export function monitorRows(result: MonitorsResult | undefined, error: string | undefined): Row[] {
  if (error)
    return [{ figure: '(g) monitors', value: error.split('\n')[0]!.slice(0, 80), target: '', status: 'ERROR' }];
  if (!result) return [];
  const r = result;
  const wrong = r.missing + r.duplicates;
  return [
    info(`(g) ${num(r.monitors)} heartbeat monitors created (POST /v1/monitors)`, `${num(r.createdPerSecond)} /s`),
    info(`(g) pings at ${num(r.pingRate)}/s × ${r.pingSeconds} s → acknowledged`, `${num(r.pingsPerSecond)} /s`),
    info('(g) ping ack p50 / p99', `${ms(r.ack.p50)} / ${ms(r.ack.p99)}`),
    {
      figure: `(g) ${r.silent} silent monitors → monitor.down lateness p99`,
      value: ms(r.lateness.p99),
      target: '≤ 5 s',
      status: r.lateness.count > 0 && r.lateness.p99 <= TARGET_MS ? 'PASS' : 'MISS',
    },
    {
      figure: '(g) alerts missing + duplicated, ping errors',
      value: `${wrong}, ${r.pingErrors}`,
      target: '0, 0',
      status: wrong === 0 && r.pingErrors === 0 ? 'PASS' : 'MISS',
    },
  ];
}

export function monitorDetails(result: MonitorsResult | undefined): string[] {
  if (!result) return [];
  const r = result;
  return [
    `- (g) ${num(r.monitors)} monitors created at ${num(r.createdPerSecond)}/s; ${num(r.ack.count)} pings acknowledged ` +
      `(${num(r.pingsPerSecond)}/s of ${num(r.pingRate)}/s asked, ${r.pingErrors} errors or skipped): ack p50 ${ms(r.ack.p50)}, ` +
      `p99 ${ms(r.ack.p99)}, max ${ms(r.ack.max)}; ${r.silent} silent monitors: ${r.lateness.count} alerted ` +
      `(${r.missing} missing, ${r.duplicates} duplicated), lateness p50 ${ms(r.lateness.p50)}, p99 ${ms(r.lateness.p99)}, ` +
      `max ${ms(r.lateness.max)}.`,
  ];
}

export const MONITORS_METHOD = `- (g) one api-gateway and one scheduler (its leader evaluates monitor deadlines); N heartbeat monitors
  created through \`POST /v1/monitors\` (the API has no batch route), 16 requests at a time: all but M on
  \`every: 10m, grace: 10m\` (never due during the phase), M on \`every: 10s, grace: 5s\` (the shortest every the
  API allows). Each steady monitor is pinged once first (16 at a time, not measured: a first ping is the
  slow path that gives a monitor its first deadline). Then pings (\`POST /ping/{token}\`) are sent open loop at R/s for S seconds on a 10 ms clock over 64
  keep-alive connections: the M silent monitors first, once each, then the others round-robin. "Ack" is send →
  200 in the bench process. Each silent monitor must raise exactly one \`monitor.down\` event within 60 s after
  the load; its lateness is the event's \`created_at\` minus last ping + every + grace (both database clock).`;
