import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { SsrfGuard } from './ssrf-guard.js';

/** A connection the SSRF guard refused; the attempt is `blocked` (permanent). */
export class BlockedTargetError extends Error {
  readonly code = 'HOURGLASS_BLOCKED_TARGET';

  constructor(host: string, address: string) {
    super(
      address === host
        ? `target address ${address} is not allowed`
        : `${host} resolves to ${address}, which is not allowed`,
    );
    this.name = 'BlockedTargetError';
  }
}

/**
 * A `dns.lookup` replacement that fails when ANY resolved address is refused. net connects only to
 * addresses this function returns, so the address checked is the address connected to: a DNS answer
 * that changes between a check and the connect (rebinding) has nothing to slip through.
 */
export function guardedLookup(guard: SsrfGuard): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '');
      const refused = addresses.find((a) => !guard.isAllowed(a.address));
      if (refused) return callback(new BlockedTargetError(hostname, refused.address), '');
      const [first] = addresses;
      if (options.all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedAgentOptions {
  guard: SsrfGuard;
  /** Concurrent sockets per origin; more requests to one origin queue in the pool. */
  connectionsPerOrigin?: number;
}

/**
 * An undici Agent whose every new socket passes the SSRF guard: hostnames through `guardedLookup`,
 * IP literals (which net connects to without any lookup) checked before connecting.
 */
export function createGuardedAgent({ guard, connectionsPerOrigin = 128 }: GuardedAgentOptions): Agent {
  // HTTP/1.1 only: the pooling, deadline and body-truncation behaviour is what the tests pin down.
  const connect = buildConnector({ lookup: guardedLookup(guard), timeout: 10_000, allowH2: false });
  return new Agent({
    allowH2: false,
    connections: connectionsPerOrigin,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    connect: (options, callback) => {
      // undici has already removed the brackets of an IPv6 literal; WHATWG URL parsing has already
      // turned decimal/hex/octal IPv4 forms into dotted quads.
      const host = options.hostname;
      if (isIP(host) !== 0 && !guard.isAllowed(host)) {
        callback(new BlockedTargetError(host, host), null);
        return;
      }
      connect(options, callback);
    },
  });
}
