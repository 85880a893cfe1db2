import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Route config (`@RouteConfig(RAW_BODY_ROUTE)`) of a route that takes any media type as raw bytes. Such a
 * route's path is its credential (`/in/{slug}`): traces show its route template, never the path.
 */
export const RAW_BODY_ROUTE = { rawBody: true } as const;

export const takesRawBody = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as { rawBody?: boolean } | undefined)?.rawBody === true;

/** The error Fastify raises for a media type without a parser: the problem filter answers 415 for it. */
function unsupportedMediaType(): Error {
  return Object.assign(new Error('Unsupported Media Type'), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}

/**
 * Raw-body routes (inbound webhooks) get the body as the exact bytes received, whatever its media
 * type: a signature is over those bytes. Every other route keeps Fastify's own JSON parser (and
 * its prototype-key handling) and refuses other media types with 415, as before.
 */
export function registerRawBodyParsers(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('ignore', 'ignore');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (takesRawBody(request)) return done(null, body);
    json(request, (body as Buffer).toString('utf8'), done);
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if (takesRawBody(request)) return done(null, body);
    done(unsupportedMediaType(), undefined);
  });
}
