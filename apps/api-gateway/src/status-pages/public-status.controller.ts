import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '@hourglass/domain';
import { Public } from '@hourglass/platform';
import { renderBadgeSvg } from './badge-svg.js';
import { BADGE_PERIODS, PublicStatusService } from './public-status.service.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page-html.js';

/** Short: a page or badge is at most this stale behind a CDN or browser cache (docs/decisions/0023). */
export const PAGE_MAX_AGE = 30;
export const BADGE_MAX_AGE = 60;

const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(reply: FastifyReply, type: string, maxAge: number, body: string, headers: Record<string, string>): void {
  void reply
    .status(200)
    .headers({ ...COMMON, ...headers, 'content-type': type, 'cache-control': `public, max-age=${maxAge}` })
    .send(body);
}

const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [{ field, message }]);

/** `?period=` (one of BADGE_PERIODS) and `?label=` (1-64 characters); other parameters (cache busters) are ignored. */
function badgeQuery(request: FastifyRequest): { period?: string; label?: string } {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const { period, label } = query;
  if (period !== undefined && (typeof period !== 'string' || !Object.hasOwn(BADGE_PERIODS, period)))
    throw invalid('period', `must be one of ${Object.keys(BADGE_PERIODS).join(', ')}`);
  if (label !== undefined && (typeof label !== 'string' || label.length < 1 || label.length > 64))
    throw invalid('label', 'must be 1-64 characters');
  return { period: period as string | undefined, label: label as string | undefined };
}

/**
 * `GET /status/{slug}` (HTML), `/status/{slug}.json`, `/badge/{token}.svg|.json`: public, documented in
 * docs/api.md, not in /openapi.json. One path parameter each: the suffix picks the representation.
 */
@ApiExcludeController()
@Public()
@Controller()
export class PublicStatusController {
  constructor(@Inject(PublicStatusService) private readonly status: PublicStatusService) {}

  @Get('status/:page')
  async page(@Param('page') page: string, @Res() reply: FastifyReply): Promise<void> {
    if (page.endsWith('.json')) {
      const status = await this.status.page(page.slice(0, -'.json'.length));
      return send(reply, 'application/json; charset=utf-8', PAGE_MAX_AGE, JSON.stringify(status), {
        'access-control-allow-origin': '*',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      });
    }
    const status = await this.status.page(page);
    send(reply, 'text/html; charset=utf-8', PAGE_MAX_AGE, renderStatusPage(status), {
      'content-security-policy': STATUS_PAGE_CSP,
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
    });
  }

  @Get('badge/:file')
  async badge(@Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const dot = file.lastIndexOf('.');
    const [token, format] = dot === -1 ? [file, ''] : [file.slice(0, dot), file.slice(dot + 1)];
    if (format !== 'svg' && format !== 'json')
      throw new AppError(ErrorCode.BADGE_NOT_FOUND, 'No badge has this address');
    const { period, label } = badgeQuery(request);
    const badge = await this.status.badge(token, period, label);
    // Embedded by other sites (READMEs through image proxies): readable cross-origin, never a document.
    const headers = {
      'content-security-policy': "default-src 'none'",
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
    };
    if (format === 'svg')
      return send(reply, 'image/svg+xml; charset=utf-8', BADGE_MAX_AGE, renderBadgeSvg(badge), headers);
    send(
      reply,
      'application/json; charset=utf-8',
      BADGE_MAX_AGE,
      JSON.stringify({ schemaVersion: 1, ...badge }),
      headers,
    );
  }
}
