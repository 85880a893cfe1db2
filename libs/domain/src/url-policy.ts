import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/**
 * Names that always mean this machine (RFC 6761), whatever a resolver says: `localhost`, `x.localhost`, `localhost.`.
 */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why a task, schedule or callback URL is refused when it is created or edited, or undefined when
 * it may be stored. The host is read as the dispatcher will read it (WHATWG URL), so every spelling
 * of an address is caught: `0x7f000001`, `2130706433`, `127.1`, `[::ffff:127.0.0.1]`, userinfo
 * before the host. Only IP literals and `localhost` are decided here; a DNS name is checked on every
 * connection by the dispatcher (the authority), when it is resolved.
 */
export function targetRefusal(url: string, policy: AddressPolicy): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined; // not a URL at all: the URL check of the field says so
  }
  const address = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(address) !== 0) {
    return policy.isAllowed(address)
      ? undefined
      : `must not target ${hostname}: private, loopback, link-local and reserved addresses are refused`;
  }
  if (isLocalhostName(hostname) && !policy.isAllowed('127.0.0.1') && !policy.isAllowed('::1')) {
    return `must not target ${hostname}: loopback addresses are refused`;
  }
  return undefined;
}
