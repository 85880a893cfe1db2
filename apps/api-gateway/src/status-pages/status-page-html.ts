import { createHash } from 'node:crypto';
import { escapeMarkup as e } from './escape.js';
import { formatPercent, type OverallState, type PublicStatus } from './public-status.service.js';
import type { DayUptime } from './uptime.js';

/** The page's only style, inline and allowed by its hash: no external asset, no script, no style attribute. */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:960px;margin:0 auto;padding:32px 16px}
h1{font-size:26px;margin:0 0 16px}
h2{font-size:18px;margin:32px 0 12px}
.overall{padding:14px 18px;border-radius:8px;color:#fff;font-weight:600;font-size:17px}
.overall.up{background:#1a7f37}.overall.degraded{background:#bf8700}.overall.down{background:#cf222e}
.overall.unknown{background:#6e7781}
.monitor{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;margin:12px 0}
.head{display:flex;justify-content:space-between;gap:12px;align-items:baseline}
.name{font-weight:600;overflow-wrap:anywhere}
.state{font-size:13px;font-weight:600;text-transform:uppercase;padding:2px 8px;border-radius:10px;color:#fff}
.state.up{background:#1a7f37}.state.late{background:#bf8700}.state.down{background:#cf222e}
.state.new{background:#6e7781}.state.paused{background:#0969da}
.bars{display:flex;gap:2px;height:34px;margin:10px 0 4px}
.bar{flex:1;border-radius:2px;background:#d0d7de}
.bar.u100{background:#2da44e}.bar.u99{background:#7bc96f}.bar.u95{background:#d4a72c}.bar.u90{background:#fb8f44}
.bar.u0{background:#cf222e}
.legend{display:flex;justify-content:space-between;font-size:12px;color:#656d76}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #d0d7de;font-size:14px;overflow-wrap:anywhere}
footer{margin-top:32px;font-size:12px;color:#656d76}
`;

/** For the page's Content-Security-Policy. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const OVERALL_TEXT: Record<OverallState, string> = {
  up: 'All systems operational',
  degraded: 'Degraded performance',
  down: 'Outage',
  unknown: 'No data yet',
};

function barClass(uptime: number | null): string {
  if (uptime === null) return 'bar';
  if (uptime >= 99.9) return 'bar u100';
  if (uptime >= 99) return 'bar u99';
  if (uptime >= 95) return 'bar u95';
  if (uptime >= 90) return 'bar u90';
  return 'bar u0';
}

const bar = (day: DayUptime) =>
  `<div class="${barClass(day.uptime)}" title="${day.date}: ${day.uptime === null ? 'no data' : `${formatPercent(day.uptime)} uptime`}"></div>`;

/** `2d 3h`, `1h 4m`, `4m 10s`, `12s`: the two largest units. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor(seconds / 3600) % 24, 'h'],
    [Math.floor(seconds / 60) % 60, 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/** The whole page as one string: server-rendered, readable without JavaScript or any other request. */
export function renderStatusPage(status: PublicStatus): string {
  const monitors = status.monitors
    .map(
      (m) => `<section class="monitor">
<div class="head"><span class="name">${e(m.name)}</span><span class="state ${m.status}">${m.status}</span></div>
<div class="bars">${m.days.map(bar).join('')}</div>
<div class="legend"><span>${m.days.length} days ago</span><span>${formatPercent(m.uptime)} uptime</span><span>today</span></div>
</section>`,
    )
    .join('\n');
  const incidents =
    status.incidents.length === 0
      ? '<p>No incidents.</p>'
      : `<table><thead><tr><th>Monitor</th><th>Started</th><th>Resolved</th><th>Duration</th><th>Cause</th></tr></thead><tbody>
${status.incidents
  .map(
    (i) =>
      `<tr><td>${e(i.monitor)}</td><td>${e(i.startedAt)}</td><td>${i.resolvedAt ? e(i.resolvedAt) : 'ongoing'}</td><td>${duration(i.durationMs)}</td><td>${e(i.cause)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(status.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${e(status.title)}</h1>
<div class="overall ${status.status}">${OVERALL_TEXT[status.status]}</div>
<h2>Monitors</h2>
${status.monitors.length === 0 ? '<p>No monitors on this page.</p>' : monitors}
<h2>Recent incidents</h2>
${incidents}
<footer>Updated ${e(status.generatedAt)} · uptime per UTC day over ${status.monitors[0]?.days.length ?? 90} days · powered by Hourglass</footer>
</main>
</body>
</html>
`;
}
