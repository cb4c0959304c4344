import { describe, expect, it } from 'vitest';
import { chooseTransport, shouldFallBack } from '../../../src/devserver/transport-choice.js';
import { TunnelError } from '../../../src/errors.js';

describe('chooseTransport', () => {
  it('auto: ssh2 when nothing stands in its way', () => {
    expect(chooseTransport('auto', [])).toEqual({ kind: 'ssh2', reason: undefined });
  });

  it('auto: OpenSSH with every limit as the reason', () => {
    const limits = [
      'CertificateFile ~/.ssh/id-cert.pub: ssh2 cannot log in with certificates',
      'ProxyUseFdpass yes: ssh2 cannot take a connection handed over by the ProxyCommand',
    ];
    expect(chooseTransport('auto', limits)).toEqual({ kind: 'openssh', reason: limits.join('; ') });
  });

  it('an explicit choice is kept whatever the limits, and needs no reason', () => {
    expect(chooseTransport('ssh2', ['GSSAPIAuthentication yes'])).toEqual({
      kind: 'ssh2',
      reason: undefined,
    });
    expect(chooseTransport('openssh', [])).toEqual({ kind: 'openssh', reason: undefined });
  });

  it('keeps the reason one bounded line', () => {
    const { reason } = chooseTransport('auto', ['a\nb', 'x'.repeat(1000)]);
    expect(reason).not.toMatch(/\n/);
    expect(reason?.length).toBeLessThanOrEqual(300);
  });
});

describe('shouldFallBack', () => {
  it('retries an SSH_UNSUPPORTED failure with OpenSSH, saying why', () => {
    const error = new TunnelError(
      'SSH_UNSUPPORTED',
      'dev offers no key exchange algorithm that ssh2 supports',
    );
    expect(shouldFallBack(error)).toBe('dev offers no key exchange algorithm that ssh2 supports');
    // The same code after crossing the control socket (a plain object).
    expect(shouldFallBack({ code: 'SSH_UNSUPPORTED', message: 'x' })).toBe('x');
  });

  it('never retries what OpenSSH would fail the same way (or ask again)', () => {
    for (const code of ['SSH_AUTH', 'SSH_CONNECT', 'HOST_KEY_CHANGED', 'SSH_NEEDS_ANSWER'] as const)
      expect(shouldFallBack(new TunnelError(code, 'no'))).toBeUndefined();
    expect(shouldFallBack(new Error('boom'))).toBeUndefined();
    expect(shouldFallBack(undefined)).toBeUndefined();
  });
});
