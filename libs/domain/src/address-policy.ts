import { BlockList, isIP, isIPv4 } from 'node:net';

/** IPv4 ranges that are not publicly routable destinations (IANA special-purpose registry). */
const NON_PUBLIC_V4 = [
  '0.0.0.0/8', // "this network", includes the unspecified address
  '10.0.0.0/8',
  '100.64.0.0/10', // CGNAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, includes cloud metadata 169.254.169.254
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes broadcast 255.255.255.255
];

/** IPv6 ranges inside global unicast 2000::/3 that are still not public destinations. */
const NON_PUBLIC_V6_IN_GLOBAL = [
  '2001::/32', // Teredo: the client's IPv4 address is obfuscated, so it cannot be checked
  '2001:2::/48', // benchmarking
  '2001:10::/28', // deprecated ORCHID
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation (RFC 9637)
];

/** IPv6 prefixes whose last 32 bits, or bits 16..47 for 6to4, are an IPv4 address the packet ends up at. */
const MAPPED_V4 = { prefix: [0, 0, 0, 0, 0, 0xffff], wordIndex: 6 };
const NAT64_V4 = { prefix: [0x64, 0xff9b, 0, 0, 0, 0], wordIndex: 6 };
const SIX_TO_FOUR_V4 = { prefix: [0x2002], wordIndex: 1 };

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or CIDR: "${cidr}"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!/^\d+$/.test(bits ?? '0') || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`invalid prefix length in "${cidr}"`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
}

const nonPublicV4 = blockListOf(NON_PUBLIC_V4);
const nonPublicV6 = blockListOf(NON_PUBLIC_V6_IN_GLOBAL);
const globalUnicastV6 = blockListOf(['2000::/3']);

/** The eight 16-bit words of a valid IPv6 address (zone id ignored). */
function ipv6Words(ip: string): number[] {
  const address = ip.split('%')[0] ?? '';
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const before = parse(head);
  if (tail === undefined) return before;
  const after = parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/** The IPv4 address embedded in an IPv4-mapped, NAT64 or 6to4 IPv6 address, if any. */
export function embeddedIPv4(ip: string): string | undefined {
  const words = ipv6Words(ip);
  for (const { prefix, wordIndex } of [MAPPED_V4, NAT64_V4, SIX_TO_FOUR_V4]) {
    if (prefix.every((word, i) => words[i] === word)) {
      const [hi = 0, lo = 0] = words.slice(wordIndex, wordIndex + 2);
      return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
    }
  }
  return undefined;
}

/** Whether `ip` is a publicly routable destination (no operator allow-list involved). */
export function isPublicAddress(ip: string): boolean {
  if (isIPv4(ip)) return !nonPublicV4.check(ip, 'ipv4');
  if (isIP(ip) !== 6) return false;
  const v4 = embeddedIPv4(ip);
  if (v4 !== undefined) return isPublicAddress(v4);
  const address = ip.split('%')[0] ?? '';
  return globalUnicastV6.check(address, 'ipv6') && !nonPublicV6.check(address, 'ipv6');
}

/**
 * Which IP addresses may be targets: public addresses, plus the ranges an operator opened
 * explicitly (or everything, for local mode). The dispatcher checks every address it connects to
 * (the authority); the api-gateway checks IP literals in URLs at create time, with the same rules.
 */
export class AddressPolicy {
  private readonly allowList: BlockList | 'all';

  constructor(allow: readonly string[] | 'all') {
    this.allowList = allow === 'all' ? 'all' : blockListOf(allow);
  }

  isAllowed(ip: string): boolean {
    if (this.allowList === 'all') return true;
    const family = isIP(ip);
    if (family === 0) return false;
    const address = ip.split('%')[0] ?? '';
    if (this.allowList.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const v4 = family === 6 ? embeddedIPv4(ip) : undefined;
    if (v4 !== undefined) return this.isAllowed(v4);
    return isPublicAddress(ip);
  }
}

/**
 * Parses `HOURGLASS_ALLOW_PRIVATE_TARGETS`: a comma-separated list of CIDRs or addresses, or `*` / `all`
 * for local mode. Unset or empty opens nothing. Throws on an invalid entry so a typo fails at start-up.
 */
export function parseAllowList(value: string | undefined): string[] | 'all' {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.some((s) => s === '*' || s.toLowerCase() === 'all')) return 'all';
  blockListOf(entries);
  return entries;
}
