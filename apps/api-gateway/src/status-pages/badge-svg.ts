import { escapeMarkup as e } from './escape.js';
import type { Badge, BadgeColor } from './public-status.service.js';

/** shields.io's named colors. */
const HEX: Record<BadgeColor, string> = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  lightgrey: '#9f9f9f',
  blue: '#007ec6',
};

/** Verdana 11px advance widths, roughly (shields measures the real font; a badge only needs to fit). */
function textWidth(text: string): number {
  let width = 0;
  for (const c of text) {
    if ("il.,:;|!'`".includes(c)) width += 3.5;
    else if ('fjrt()[]{} -/'.includes(c)) width += 4.6;
    else if ('mwMW%@'.includes(c)) width += 10.5;
    else if (c >= 'A' && c <= 'Z') width += 7.6;
    else width += 6.9;
  }
  return width;
}

/** The shields.io "flat" style, so it sits next to other README badges; all text escaped. */
export function renderBadgeSvg(badge: Badge): string {
  const [label, message] = [badge.label, badge.message];
  const labelWidth = Math.round(textWidth(label) + 10);
  const messageWidth = Math.round(textWidth(message) + 10);
  const width = labelWidth + messageWidth;
  const color = HEX[badge.color];
  const text = (content: string, x: number, w: number) =>
    `<text aria-hidden="true" x="${x * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${(w - 10) * 10}">${e(content)}</text>` +
    `<text x="${x * 10}" y="140" transform="scale(.1)" fill="#fff" textLength="${(w - 10) * 10}">${e(content)}</text>`;
  const title = e(`${label}: ${message}`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">` +
    `<title>${title}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/>` +
    `<rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${color}"/>` +
    `<rect width="${width}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">` +
    text(label, labelWidth / 2, labelWidth) +
    text(message, labelWidth + messageWidth / 2, messageWidth) +
    `</g></svg>`
  );
}
