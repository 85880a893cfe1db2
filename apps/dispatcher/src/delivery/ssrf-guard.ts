import { AddressPolicy } from '@hourglass/domain';

export { embeddedIPv4, parseAllowList } from '@hourglass/domain';

/**
 * The connect-time check: every address the dispatcher's lookup resolves is checked here before a
 * socket opens (guarded-agent.ts), so a DNS name pointing at a private address is refused too. The
 * ranges live in libs/domain (AddressPolicy), where the api-gateway refuses IP literals and
 * `localhost` at create time with the same rules; this check stays the authority.
 */
export class SsrfGuard extends AddressPolicy {}
