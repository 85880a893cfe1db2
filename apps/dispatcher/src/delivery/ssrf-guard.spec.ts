import { embeddedIPv4, parseAllowList, SsrfGuard } from './ssrf-guard.js';

const REFUSED = [
  ['loopback', ['127.0.0.1', '127.255.255.254', '::1']],
  ['unspecified', ['0.0.0.0', '0.1.2.3', '::']],
  ['private', ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255']],
  ['CGNAT', ['100.64.0.1', '100.127.255.255']],
  ['link-local and metadata', ['169.254.0.1', '169.254.169.254', 'fe80::1', 'febf::1', 'fe80::1%eth0']],
  ['unique-local', ['fc00::1', 'fd12:3456::1', 'fd00:ec2::254']],
  ['multicast', ['224.0.0.1', '239.255.255.250', 'ff02::1', 'ff0e::1']],
  ['reserved and broadcast', ['240.0.0.1', '255.255.255.255']],
  ['benchmarking', ['198.18.0.1', '198.19.255.255', '2001:2::1']],
  ['documentation', ['192.0.2.1', '198.51.100.1', '203.0.113.1', '2001:db8::1', '3fff::1']],
  ['IETF protocol assignments', ['192.0.0.1', '192.0.0.170']],
  ['IPv4-mapped IPv6', ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254']],
  ['NAT64', ['64:ff9b::127.0.0.1', '64:ff9b::a00:1', '64:ff9b::a9fe:a9fe']],
  ['6to4', ['2002:7f00:1::', '2002:a00:1::1', '2002:c0a8:101::1']],
  ['Teredo and other non-global IPv6', ['2001::1', '::127.0.0.1', '100::1', 'fec0::1']],
  ['not an IP address', ['localhost', '', '1.2.3', '2130706433']],
] as const;

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '2606:4700::1111',
  '2001:4860:4860::8888',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
  '172.32.0.1',
  '100.128.0.1',
  '192.0.1.1',
];

describe('SsrfGuard', () => {
  const guard = new SsrfGuard([]);

  it.each(REFUSED)('refuses %s addresses', (_name, addresses) => {
    for (const ip of addresses) expect([ip, guard.isAllowed(ip)]).toEqual([ip, false]);
  });

  it('allows public addresses', () => {
    for (const ip of PUBLIC) expect([ip, guard.isAllowed(ip)]).toEqual([ip, true]);
  });

  it('opens exactly the ranges on the allow-list', () => {
    const open = new SsrfGuard(['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8', '127.0.0.1']);
    expect(
      ['10.1.2.3', '192.168.1.77', 'fd00::5', '127.0.0.1', '::ffff:10.0.0.1'].map((ip) => open.isAllowed(ip)),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['192.168.2.1', '172.16.0.1', 'fc00::1', '127.0.0.2', '169.254.169.254'].map((ip) => open.isAllowed(ip)),
    ).toEqual([false, false, false, false, false]);
    expect(open.isAllowed('8.8.8.8')).toBe(true);
  });

  it("allows everything in local mode ('all')", () => {
    const local = new SsrfGuard('all');
    expect(['127.0.0.1', '::1', '10.0.0.1', '169.254.169.254'].every((ip) => local.isAllowed(ip))).toBe(true);
  });
});

describe('embeddedIPv4', () => {
  it('extracts the IPv4 address of mapped, NAT64 and 6to4 addresses only', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('64:ff9b::c0a8:101')).toBe('192.168.1.1');
    expect(embeddedIPv4('2002:a9fe:a9fe::1')).toBe('169.254.169.254');
    expect(embeddedIPv4('2606:4700::1111')).toBeUndefined();
  });
});

describe('parseAllowList', () => {
  it('parses a comma-separated CIDR list', () => {
    expect(parseAllowList(' 10.0.0.0/8, 192.168.1.0/24 ,')).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
  });

  it('opens nothing when unset or empty', () => {
    expect(parseAllowList(undefined)).toEqual([]);
    expect(parseAllowList('')).toEqual([]);
  });

  it("reads '*' and 'all' as local mode", () => {
    expect(parseAllowList('*')).toBe('all');
    expect(parseAllowList('ALL')).toBe('all');
  });

  it('rejects invalid entries', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseAllowList('intranet')).toThrow(/not an IP/);
    expect(() => parseAllowList('10.0.0.0/x')).toThrow(/prefix/);
  });
});
