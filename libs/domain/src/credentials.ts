/**
 * Which header names carry credentials: one rule for log redaction (libs/platform logging) and for
 * masking task and schedule responses to keys without the `admin` scope (docs/api.md "Credential masking").
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const CREDENTIAL_SUFFIXES = ['-token', '-key', '-secret'];

/** What a masked credential reads as; a request that sends it back as a value is refused (400), never stored. */
export const MASKED_CREDENTIAL = '***';

/** Whether a header (or field) of this name carries a credential, whatever its case. */
export function isCredentialName(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** The header map with every credential value replaced by MASKED_CREDENTIAL. */
export function maskCredentialHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, isCredentialName(name) ? MASKED_CREDENTIAL : value]),
  );
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/** The URL with its userinfo (`user:pass@`) replaced by `***@`; anything else unchanged. */
export function maskUrlUserinfo(url: string): string {
  return url.replace(USERINFO, `$1${MASKED_CREDENTIAL}@`);
}

/** Whether a value is a masked credential sent back: a header value of `***`, or a URL whose userinfo is `***`. */
export function isMaskedHeaderValue(name: string, value: string): boolean {
  return value === MASKED_CREDENTIAL && isCredentialName(name);
}

export function hasMaskedUserinfo(url: string): boolean {
  return USERINFO.exec(url)?.[0].endsWith(`//${MASKED_CREDENTIAL}@`) ?? false;
}
