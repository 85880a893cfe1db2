import { MASKED_CREDENTIAL, maskCredentialHeaders, maskUrlUserinfo } from '@hourglass/domain';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const URL_FIELDS = ['callbackUrl', 'failureCallbackUrl'] as const;

/** A task, schedule (or history entry), inbound event or endpoint with its credentials masked; others as they are. */
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
  // An inbound event's received headers, and an endpoint's forward URLs.
  if (typeof value.endpointId === 'string' && isObject(value.headers))
    out.headers = maskCredentialHeaders(value.headers as Record<string, string>);
  if (Array.isArray(value.forward))
    out.forward = value.forward.map((f: unknown) =>
      isObject(f) && typeof f.url === 'string' ? { ...f, url: maskUrlUserinfo(f.url) } : f,
    );
  for (const field of URL_FIELDS) {
    if (typeof value[field] === 'string') out[field] = maskUrlUserinfo(value[field]);
  }
  // A Slack or Discord incoming-webhook URL is a credential in its path; a webhook channel's like a task's URL.
  if (typeof value.url === 'string' && (value.type === 'slack' || value.type === 'discord'))
    out.url = maskUrlPath(value.url);
  else if (typeof value.url === 'string' && value.type === 'webhook') out.url = maskUrlUserinfo(value.url);
  // A schedule history entry carries the schedule as it was: `{ version, change, schedule, createdAt }`.
  if (isObject(value.schedule)) out.schedule = maskResource(value.schedule);
  return out;
}

/** Origin kept, path and query masked: `https://hooks.slack.com/***`. */
function maskUrlPath(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? `${parsed.origin}/${MASKED_CREDENTIAL}` : MASKED_CREDENTIAL;
}

/**
 * A response body with every task's and schedule's credential headers and URL userinfo masked: one resource, or a
 * `{ data: [...] }` list or batch. A copy: the value given (which the idempotency layer may have stored) is untouched.
 */
export function maskCredentials(body: unknown): unknown {
  if (isObject(body) && Array.isArray(body.data)) return { ...body, data: body.data.map(maskResource) };
  return maskResource(body);
}
