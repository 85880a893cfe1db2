import { DocumentBuilder, type OpenAPIObject } from '@nestjs/swagger';

export const documentConfig = () =>
  new DocumentBuilder()
    .setTitle('Hourglass API')
    .setDescription(
      'Async HTTP tasks. Every error is RFC 9457 application/problem+json with a stable `code`; ' +
        'validation failures list `errors[].field`. Routes under /v1/admin take the admin token, the rest an API key.',
    )
    .setVersion('v1')
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'hg_<keyId>_<secret>, or the admin token on /v1/admin',
    })
    .addSecurityRequirements('bearer')
    .build();

/** Every POST takes it (apps/api-gateway/src/idempotency, docs/api.md "Idempotency"). */
const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  schema: { type: 'string' as const, minLength: 1, maxLength: 255 },
  description:
    'Makes the POST safe to retry for 24 h: the same key with the same request replays the first response ' +
    '(with `Idempotent-Replayed: true`); with a different request it is 422 IDEMPOTENCY_KEY_REUSED, and while the first ' +
    'is still running 409 IDEMPOTENCY_KEY_IN_FLIGHT. Keys are per org.',
};

/**
 * What the decorators cannot say: request bodies reject unknown fields (the ValidationPipe's
 * forbidNonWhitelisted), every POST takes an Idempotency-Key (a global interceptor), and routes
 * outside /v1 (health, metrics) need no credentials.
 */
export function refineDocument(document: OpenAPIObject): OpenAPIObject {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('properties' in schema) schema.additionalProperties = false;
  }
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/v1/')) {
      if (item.post) item.post.parameters = [...(item.post.parameters ?? []), IDEMPOTENCY_KEY];
      continue;
    }
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && 'responses' in operation) operation.security = [];
    }
  }
  return document;
}
