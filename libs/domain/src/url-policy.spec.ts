import { AddressPolicy } from './address-policy.js';
import { isLocalhostName, targetRefusal } from './url-policy.js';

describe('targetRefusal (create-time check of task, schedule and callback URLs)', () => {
  const production = new AddressPolicy([]);

  it.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/hook',
    'http://0x7f000001/', // hex
    'http://2130706433/', // one decimal number
    'http://017700000001/', // octal
    'http://127.1/', // short form
    'http://0x7f.0.0.1/',
    'http://127.0.0.1./', // trailing dot
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/', // IPv4-mapped
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
    'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://0.0.0.0/',
    'http://0/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://localhost/',
    'http://LOCALHOST:8080/',
    'http://localhost./',
    'http://api.localhost/',
    'http://example.com@127.0.0.1/', // userinfo before the real host
    'http://user:pass@10.0.0.1/',
    'http://127.0.0.1\\@example.com/', // backslash ends the authority for http(s)
    'http://127.0.0.1#@example.com/',
    'http://１２７.０.０.１/', // full-width digits, mapped by IDNA
  ])('refuses %s outside local mode', (url) => {
    expect(targetRefusal(url, production)).toMatch(/^must not target /);
  });

  it.each([
    'https://example.com/hook',
    'https://127.0.0.1.nip.io/', // a DNS name: the dispatcher checks what it resolves to, when it connects
    'http://93.184.216.34/',
    'http://[2606:4700::1111]/',
    'https://127.0.0.1@example.com/', // userinfo only: the host is example.com
    'not a url', // the URL check of the field reports it
  ])('lets %s through', (url) => {
    expect(targetRefusal(url, production)).toBeUndefined();
  });

  it('allows everything in local mode', () => {
    const local = new AddressPolicy('all');
    for (const url of ['http://127.0.0.1/', 'http://localhost:3000/', 'http://[::1]/', 'http://169.254.169.254/'])
      expect(targetRefusal(url, local)).toBeUndefined();
  });

  it('opens only the ranges HOURGLASS_ALLOW_PRIVATE_TARGETS names; localhost once loopback is open', () => {
    const lan = new AddressPolicy(['10.0.0.0/8']);
    expect(targetRefusal('http://10.1.2.3/', lan)).toBeUndefined();
    expect(targetRefusal('http://192.168.1.1/', lan)).toBeDefined();
    expect(targetRefusal('http://localhost/', lan)).toBeDefined();
    const loopback = new AddressPolicy(['127.0.0.0/8']);
    expect(targetRefusal('http://localhost:8080/', loopback)).toBeUndefined();
    expect(targetRefusal('http://0x7f000001/', loopback)).toBeUndefined();
    expect(targetRefusal('http://169.254.169.254/', loopback)).toBeDefined();
  });

  it('knows the names that always mean this machine', () => {
    expect(['localhost', 'LocalHost.', 'a.b.localhost', 'localhost..'].every(isLocalhostName)).toBe(true);
    expect(['localhost.example.com', 'mylocalhost', 'example.com'].some(isLocalhostName)).toBe(false);
  });
});
