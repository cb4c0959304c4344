import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { formatProxyJump, parseProxyJump } from '../../../src/ssh/proxy-jump.js';

describe('parseProxyJump', () => {
  it('parses the forms OpenSSH accepts', () => {
    expect(parseProxyJump('bob@jump.example.com:2200,jump2')).toEqual([
      { host: 'jump.example.com', user: 'bob', port: 2200 },
      { host: 'jump2', user: undefined, port: undefined },
    ]);
    expect(parseProxyJump('ssh://carol@gw:33')).toEqual([{ host: 'gw', user: 'carol', port: 33 }]);
    expect(parseProxyJump('[::1]:2222')).toEqual([{ host: '::1', user: undefined, port: 2222 }]);
    expect(parseProxyJump('me@corp@bastion')).toEqual([
      { host: 'bastion', user: 'me@corp', port: undefined },
    ]);
  });

  it('treats none/empty as no hops', () => {
    expect(parseProxyJump(undefined)).toEqual([]);
    expect(parseProxyJump('none')).toEqual([]);
  });

  it.each(['host:0', 'host:99999', 'host:abc', '[::1', '-oProxyCommand=x', 'a,,b', '@host'])(
    'rejects %j',
    (raw) => {
      expect(() => parseProxyJump(raw)).toThrow(TunnelError);
    },
  );

  it('formats back for the remaining hops', () => {
    const raw = 'bob@j1:2200,[::1]:22,j3';
    expect(formatProxyJump(parseProxyJump(raw))).toBe(raw);
    expect(formatProxyJump([])).toBeUndefined();
  });
});
