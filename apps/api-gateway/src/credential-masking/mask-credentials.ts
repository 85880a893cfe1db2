import { maskCredentialHeaders, maskUrlUserinfo } from '@hourglass/domain';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const URL_FIELDS = ['callbackUrl', 'failureCallbackUrl'] as const;

/** A task, schedule or schedule history entry with its credentials masked; any other value is returned as it is. */
function maskResource(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: Json = { ...value };
  const request = value.request;
  if (isObject(request) && typeof request.url === 'string' && isObject(request.headers)) {
    out.request = {
      ...request,
      url: maskUrlUserinfo(request.url),
      headers: maskCredentialHeaders(request.headers as Record<string, string>),
    };
  }
  for (const field of URL_FIELDS) {
    if (typeof value[field] === 'string') out[field] = maskUrlUserinfo(value[field]);
  }
  // A schedule history entry carries the schedule as it was: `{ version, change, schedule, createdAt }`.
  if (isObject(value.schedule)) out.schedule = maskResource(value.schedule);
  return out;
}

/**
 * A response body with every task's and schedule's credential headers and URL userinfo masked: one resource, or a
 * `{ data: [...] }` list or batch. A copy: the value given (which the idempotency layer may have stored) is untouched.
 */
export function maskCredentials(body: unknown): unknown {
  if (isObject(body) && Array.isArray(body.data)) return { ...body, data: body.data.map(maskResource) };
  return maskResource(body);
}
