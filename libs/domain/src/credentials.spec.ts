import {
  hasMaskedUserinfo,
  isCredentialName,
  isMaskedHeaderValue,
  maskCredentialHeaders,
  maskUrlUserinfo,
} from './credentials.js';

describe('credential masking rule', () => {
  it('names credential headers by exact name or suffix, in any case', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'set-cookie', 'X-Api-Key', 'x-auth-token'])
      expect(isCredentialName(name)).toBe(true);
    for (const name of ['content-type', 'x-request-id', 'keyboard', 'x-token-count', 'secretary'])
      expect(isCredentialName(name)).toBe(false);
  });

  it('masks credential header values and URL userinfo only', () => {
    expect(maskCredentialHeaders({ authorization: 'Bearer x', 'x-hub-secret': 's', accept: 'a' })).toEqual({
      authorization: '***',
      'x-hub-secret': '***',
      accept: 'a',
    });
    expect(maskUrlUserinfo('https://user:pa%40ss@example.com/p?q=1')).toBe('https://***@example.com/p?q=1');
    expect(maskUrlUserinfo('https://example.com/a@b')).toBe('https://example.com/a@b');
  });

  it('recognises a masked value sent back', () => {
    expect(isMaskedHeaderValue('Authorization', '***')).toBe(true);
    expect(isMaskedHeaderValue('accept', '***')).toBe(false);
    expect(hasMaskedUserinfo('https://***@example.com/')).toBe(true);
    expect(hasMaskedUserinfo('https://u:***@example.com/')).toBe(false);
    expect(hasMaskedUserinfo('https://example.com/***@')).toBe(false);
  });
});
