import { describe, expect, it } from 'vitest';
import {
  algorithmLimits,
  mapCategory,
  noCommonAlgorithmError,
  pubkeyTypeAllowed,
  SSH2_TABLES,
  ssh2Algorithms,
  usablePubkeyAlgorithms,
} from '../../../src/ssh/algorithms.js';
import { sshTarget } from '../../builders.js';

// What `ssh -G` (OpenSSH 9.2) prints when the config says nothing about algorithms.
const OPENSSH_KEX =
  'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256'.split(
    ',',
  );
const OPENSSH_CIPHERS =
  'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com'.split(
    ',',
  );
const OPENSSH_MACS =
  'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1'.split(
    ',',
  );
const defaults = { kexAlgorithms: OPENSSH_KEX, ciphers: OPENSSH_CIPHERS, macs: OPENSSH_MACS };

describe('ssh2Algorithms', () => {
  it("keeps ssh2's own cipher and MAC lists for OpenSSH's defaults (what connections negotiate today)", () => {
    const algorithms = ssh2Algorithms(sshTarget(defaults));
    expect(algorithms.cipher).toBeUndefined();
    expect(algorithms.hmac).toBeUndefined();
    // KEX in OpenSSH's order without what ssh2 lacks (sntrup761): curve25519 first, as before.
    expect(algorithms.kex).toEqual(OPENSSH_KEX.slice(1));
  });

  it('leaves ssh2 alone when ssh -G printed nothing (older callers, fakes)', () => {
    expect(ssh2Algorithms(sshTarget())).toEqual({});
  });

  it('enables a legacy algorithm the user added (KexAlgorithms +diffie-hellman-group14-sha1), order kept', () => {
    const kex = [...OPENSSH_KEX, 'diffie-hellman-group14-sha1'];
    expect(ssh2Algorithms(sshTarget({ ...defaults, kexAlgorithms: kex })).kex).toEqual([
      ...OPENSSH_KEX.slice(1),
      'diffie-hellman-group14-sha1',
    ]);
  });

  it('honours a restricted or reordered list exactly', () => {
    const algorithms = ssh2Algorithms(
      sshTarget({ ciphers: ['aes256-ctr', 'aes128-cbc'], macs: ['hmac-sha2-512', 'umac-128@openssh.com'] }),
    );
    expect(algorithms.cipher).toEqual(['aes256-ctr', 'aes128-cbc']);
    expect(algorithms.hmac).toEqual(['hmac-sha2-512']);
  });

  it('says which option ssh2 cannot honour when nothing is left (SSH_UNSUPPORTED)', () => {
    const target = sshTarget({ kexAlgorithms: ['sntrup761x25519-sha512@openssh.com'] });
    expect(() => ssh2Algorithms(target)).toThrow(
      expect.objectContaining({
        code: 'SSH_UNSUPPORTED',
        message: 'KexAlgorithms sntrup761x25519-sha512@openssh.com for dev: ssh2 supports none of these',
      }),
    );
    expect(() => ssh2Algorithms(sshTarget({ macs: ['umac-128-etm@openssh.com'] }))).toThrow(/^MACs umac-128/);
  });

  it('mapCategory: duplicates dropped, undefined for ssh2 default set, null for nothing usable', () => {
    const table = { defaults: ['a', 'b'], supported: ['a', 'b', 'c'] };
    expect(mapCategory(['b', 'x', 'a'], table)).toBeUndefined();
    expect(mapCategory(['c', 'c', 'a'], table)).toEqual(['c', 'a']);
    expect(mapCategory(['x'], table)).toBeNull();
    expect(mapCategory(undefined, SSH2_TABLES.kex)).toBeUndefined();
  });
});

describe('algorithmLimits (before any login: auto goes to OpenSSH)', () => {
  it('is empty for OpenSSH defaults and names every option ssh2 cannot honour', () => {
    expect(algorithmLimits(sshTarget(defaults))).toEqual([]);
    const target = sshTarget({
      hostKeyAlgorithms: ['ssh-ed25519-cert-v01@openssh.com'],
      kexAlgorithms: ['mlkem768x25519-sha256'],
      pubkeyAcceptedAlgorithms: ['sk-ssh-ed25519@openssh.com'],
    });
    expect(algorithmLimits(target)).toEqual([
      'HostKeyAlgorithms ssh-ed25519-cert-v01@openssh.com for dev: ssh2 supports none of these',
      'KexAlgorithms mlkem768x25519-sha256 for dev: ssh2 supports none of these',
      'PubkeyAcceptedAlgorithms sk-ssh-ed25519@openssh.com for dev: ssh2 supports none of these',
    ]);
  });
});

describe('PubkeyAcceptedAlgorithms', () => {
  it('keeps what ssh2 can sign with, and refuses a list of only certificates/security keys', () => {
    const target = sshTarget({
      pubkeyAcceptedAlgorithms: [
        'ssh-ed25519-cert-v01@openssh.com',
        'ssh-ed25519',
        'sk-ssh-ed25519@openssh.com',
      ],
    });
    expect(usablePubkeyAlgorithms(target)).toEqual(['ssh-ed25519']);
    const certOnly = sshTarget({ pubkeyAcceptedAlgorithms: ['ssh-ed25519-cert-v01@openssh.com'] });
    expect(() => usablePubkeyAlgorithms(certOnly)).toThrow(
      expect.objectContaining({ code: 'SSH_UNSUPPORTED' }),
    );
  });

  it('allows an RSA key when any RSA signature algorithm is accepted, as sshconnect2.c does', () => {
    const target = sshTarget({ pubkeyAcceptedAlgorithms: ['ssh-ed25519', 'rsa-sha2-256'] });
    expect(pubkeyTypeAllowed(target, 'ssh-rsa')).toBe(true);
    expect(pubkeyTypeAllowed(target, 'ecdsa-sha2-nistp256')).toBe(false);
    expect(pubkeyTypeAllowed(sshTarget(), 'ecdsa-sha2-nistp256')).toBe(true);
  });
});

describe('noCommonAlgorithmError', () => {
  it("turns ssh2's no-match handshake errors into SSH_UNSUPPORTED naming the option", () => {
    const target = sshTarget();
    const kex = noCommonAlgorithmError(target, {
      message: 'Handshake failed: no matching key exchange algorithm',
      level: 'handshake',
    });
    expect(kex?.code).toBe('SSH_UNSUPPORTED');
    expect(kex?.message).toContain('no key exchange algorithm that ssh2 supports (KexAlgorithms)');
    const cipher = noCommonAlgorithmError(target, {
      message: 'Handshake failed: no matching C->S cipher',
      level: 'handshake',
    });
    expect(cipher?.message).toContain('(Ciphers)');
  });

  it('leaves every other handshake error alone', () => {
    const target = sshTarget();
    const other = { message: 'Handshake failed: signature verification failed', level: 'handshake' };
    expect(noCommonAlgorithmError(target, other)).toBeUndefined();
    // The same words from elsewhere (e.g. a server's DISCONNECT text) are not ssh2's verdict.
    const remote = { message: 'Handshake failed: no matching key exchange algorithm', level: 'protocol' };
    expect(noCommonAlgorithmError(target, remote)).toBeUndefined();
  });
});
