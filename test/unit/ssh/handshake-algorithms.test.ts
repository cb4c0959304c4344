// What ssh2 actually offers in its KEXINIT for a target from `ssh -G`: read off the wire of a fake server.
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SSH2_TABLES } from '../../../src/ssh/algorithms.js';
import type { AuthPlan } from '../../../src/ssh/auth.js';
import { handshake, PausableDeadline } from '../../../src/ssh/handshake.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const OPENSSH_KEX =
  'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256';
const OPENSSH_CIPHERS =
  'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com';
const OPENSSH_MACS =
  'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1';

interface Offer {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
}

/** The client's first KEXINIT name-lists (RFC 4253 §7.1), from the bytes after its version line. */
function parseKexinit(bytes: Buffer): Offer {
  const start = bytes.indexOf('\r\n') + 2;
  let offset = start + 4 + 1 + 1 + 16; // packet_length, padding_length, SSH_MSG_KEXINIT, cookie
  expect(bytes[start + 5]).toBe(20);
  const list = () => {
    const length = bytes.readUInt32BE(offset);
    const names = bytes.subarray(offset + 4, offset + 4 + length).toString('latin1');
    offset += 4 + length;
    return names.split(',');
  };
  const [kex, hostKey, cipher] = [list(), list(), list()];
  list();
  return { kex, hostKey, cipher, mac: list() };
}

/** Runs a handshake against a "server" that only sends its version line; resolves with what the client sent. */
async function offerFor(target: SshTarget): Promise<Offer> {
  let written = Buffer.alloc(0);
  let sawKexinit: () => void = () => {};
  const kexinit = new Promise<void>((resolve) => (sawKexinit = resolve));
  const sock = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written = Buffer.concat([written, chunk]);
      const start = written.indexOf('\r\n') + 2;
      if (
        start > 1 &&
        written.length >= start + 4 &&
        written.length >= start + 4 + written.readUInt32BE(start)
      )
        sawKexinit();
      callback();
    },
  });
  sock.push('SSH-2.0-OpenSSH_9.2p1\r\n');
  const controller = new AbortController();
  const attempt = handshake({
    target,
    sock,
    verifier: { verify: () => {}, serverHostKeyAlgorithms: ['ssh-ed25519'], error: undefined, warnings: [] },
    auth: { handler: () => {}, failure: () => new Error('auth') } as unknown as AuthPlan,
    deadline: new PausableDeadline(60_000),
    keepalive: { intervalMs: 0, countMax: 3 },
    signal: controller.signal,
  }).catch(() => undefined);
  await kexinit;
  controller.abort();
  await attempt;
  return parseKexinit(written);
}

const defaults = {
  kexAlgorithms: OPENSSH_KEX.split(','),
  ciphers: OPENSSH_CIPHERS.split(','),
  macs: OPENSSH_MACS.split(','),
};

describe('the KEXINIT ssh2 sends for ssh -G lists', () => {
  it("OpenSSH's defaults: ssh2's own cipher/MAC order (what connections negotiated before), kex in OpenSSH's order", async () => {
    const offer = await offerFor(sshTarget(defaults));
    // ssh2's order depends on the CPU (AES-NI: AES-GCM first); the set is OpenSSH's.
    expect(offer.cipher).toEqual(SSH2_TABLES.cipher.defaults);
    expect(new Set(offer.cipher)).toEqual(new Set(OPENSSH_CIPHERS.split(',')));
    expect(offer.mac).toEqual([
      'hmac-sha2-256-etm@openssh.com',
      'hmac-sha2-512-etm@openssh.com',
      'hmac-sha1-etm@openssh.com',
      'hmac-sha2-256',
      'hmac-sha2-512',
      'hmac-sha1',
    ]);
    expect(offer.kex.filter((name) => !/^(ext-info-c|kex-strict-)/.test(name))).toEqual(
      OPENSSH_KEX.split(',').slice(1),
    );
    expect(offer.hostKey).toEqual(['ssh-ed25519']);
  });

  it('legacy algorithms the user added are offered, in OpenSSH order', async () => {
    const offer = await offerFor(
      sshTarget({
        ...defaults,
        kexAlgorithms: [...defaults.kexAlgorithms, 'diffie-hellman-group14-sha1'],
        ciphers: [...defaults.ciphers, 'aes128-cbc'],
      }),
    );
    expect(offer.kex).toContain('diffie-hellman-group14-sha1');
    expect(offer.cipher).toEqual([...OPENSSH_CIPHERS.split(','), 'aes128-cbc']);
  });
});
