// connectTarget's choice of transport, with fake openers: which one opens the host, what each is asked,
// what the user is told, and when auto falls back from ssh2 to OpenSSH.
import { describe, expect, it } from 'vitest';
import type { TransportSetting } from '../../../src/config/defaults.js';
import { connectorFor, type Interaction, type TransportDeps } from '../../../src/devserver/connect.js';
import { TunnelError } from '../../../src/errors.js';
import type { LogLevel } from '../../../src/log.js';
import type { OpenSshOptions } from '../../../src/openssh/connection.js';
import type { OpenConnectionOptions } from '../../../src/ssh/connection.js';
import type { SshLink, SshTarget, TransportInfo } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

function fakeLink(target: SshTarget, transport: TransportInfo): SshLink {
  return { target, transport } as unknown as SshLink;
}

interface Setup {
  limits?: string[];
  ssh2Error?: unknown;
  limitsError?: unknown;
}

function harness(setup: Setup = {}) {
  const calls: { ssh2: OpenConnectionOptions[]; openssh: OpenSshOptions[]; resolved: string[] } = {
    ssh2: [],
    openssh: [],
    resolved: [],
  };
  const logs: { level: LogLevel; message: string }[] = [];
  const deps: TransportDeps = {
    resolveTarget: async (alias) => {
      calls.resolved.push(alias);
      return sshTarget({ alias });
    },
    ssh2Limits: async () => {
      if (setup.limitsError) throw setup.limitsError;
      return setup.limits ?? [];
    },
    openSsh2: async (target, options) => {
      calls.ssh2.push(options);
      if (setup.ssh2Error) throw setup.ssh2Error;
      return fakeLink(target, { kind: 'ssh2', reason: undefined });
    },
    openOpenSsh: async (target, options) => {
      calls.openssh.push(options);
      return fakeLink(target, { kind: 'openssh', reason: options.reason });
    },
  };
  const connect = (
    transport: TransportSetting | undefined,
    interaction: Interaction = {},
    openSshReason?: string,
  ) =>
    connectorFor(deps)(
      {
        alias: 'devserver',
        sshConfigFile: '/home/me/ssh.conf',
        acceptNewHostKey: false,
        transport,
        openSshReason,
      },
      interaction,
      (level, message) => logs.push({ level, message }),
    );
  return { calls, logs, connect };
}

const CERT = 'CertificateFile /home/me/.ssh/id_ed25519-cert.pub';
const unsupported = new TunnelError('SSH_UNSUPPORTED', 'the server offers only gssapi-with-mic');

describe('connectTarget: choosing the transport', () => {
  it('auto with nothing ssh2 cannot do opens ssh2 and says nothing about transports', async () => {
    const { calls, logs, connect } = harness();
    const link = await connect('auto');
    expect(link.transport).toEqual({ kind: 'ssh2', reason: undefined });
    expect(calls.openssh).toHaveLength(0);
    expect(logs.filter((line) => line.message.includes('OpenSSH'))).toEqual([]);
  });

  it('auto is the default when the options name no transport', async () => {
    const { calls, connect } = harness({ limits: [CERT] });
    const link = await connect(undefined);
    expect(link.transport).toEqual({ kind: 'openssh', reason: CERT });
    expect(calls.ssh2).toHaveLength(0);
  });

  it('auto opens OpenSSH when ssh2 cannot serve the host, says so once, and never tries ssh2', async () => {
    const { calls, logs, connect } = harness({ limits: [CERT] });
    const link = await connect('auto');
    expect(calls.ssh2).toHaveLength(0);
    expect(link.transport).toEqual({ kind: 'openssh', reason: CERT });
    expect(logs.filter((line) => line.message.includes('OpenSSH'))).toEqual([
      { level: 'info', message: `using OpenSSH: ${CERT}` },
    ]);
  });

  it('auto retries once with OpenSSH when ssh2 fails with SSH_UNSUPPORTED', async () => {
    const { calls, logs, connect } = harness({ ssh2Error: unsupported });
    const link = await connect('auto');
    expect(calls.ssh2).toHaveLength(1);
    expect(calls.openssh).toHaveLength(1);
    expect(link.transport?.kind).toBe('openssh');
    expect(link.transport?.reason).toContain('gssapi-with-mic');
    expect(logs.filter((line) => line.message.startsWith('using OpenSSH'))).toHaveLength(1);
  });

  it('auto does not fall back on other ssh2 failures (a refused key stays a refused key)', async () => {
    const refused = new TunnelError('SSH_AUTH', 'the server refused every key');
    const { calls, connect } = harness({ ssh2Error: refused });
    await expect(connect('auto')).rejects.toBe(refused);
    expect(calls.openssh).toHaveLength(0);
  });

  it('ssh2 chosen by the user: no fallback, the SSH_UNSUPPORTED error reaches the user', async () => {
    const { calls, connect } = harness({ limits: [CERT], ssh2Error: unsupported });
    await expect(connect('ssh2')).rejects.toBe(unsupported);
    expect(calls.openssh).toHaveLength(0);
  });

  it('openssh chosen by the user: OpenSSH with no reason to show, ssh2 never tried', async () => {
    const { calls, logs, connect } = harness();
    const link = await connect('openssh');
    expect(link.transport).toEqual({ kind: 'openssh', reason: undefined });
    expect(calls.ssh2).toHaveLength(0);
    expect(logs.filter((line) => line.message.includes('OpenSSH'))).toEqual([]);
  });

  it('a reconnect after a fallback goes straight to OpenSSH, keeps the reason, and does not say it again', async () => {
    const { calls, logs, connect } = harness({ ssh2Error: unsupported });
    const link = await connect('auto', { unattended: true }, 'the server offers only gssapi-with-mic');
    expect(calls.ssh2).toHaveLength(0);
    expect(link.transport).toEqual({ kind: 'openssh', reason: 'the server offers only gssapi-with-mic' });
    expect(logs.filter((line) => line.message.includes('OpenSSH'))).toEqual([]);
  });

  it('a remembered reason does not override a transport the user set', async () => {
    const { calls, connect } = harness();
    await connect('ssh2', {}, 'earlier fallback');
    expect(calls.openssh).toHaveLength(0);
  });

  it('a failed look at the host files does not stop the connect: ssh2 is tried', async () => {
    const { calls, connect } = harness({ limitsError: new Error('EACCES') });
    const link = await connect('auto');
    expect(link.transport?.kind).toBe('ssh2');
    expect(calls.ssh2).toHaveLength(1);
  });
});

describe('connectTarget: what each transport is given', () => {
  const interaction: Interaction = {
    confirm: async () => true,
    askPassphrase: async () => 'never logged',
    askSecret: async () => '123456',
  };

  it("OpenSSH gets the session's config file, the host-key policy and every question", async () => {
    const { calls, connect } = harness();
    await connect('openssh', interaction);
    const [options] = calls.openssh;
    expect(options?.configFile).toBe('/home/me/ssh.conf');
    expect(options?.hostKeyPolicy).toEqual({ acceptNewHostKey: false, prompt: interaction.confirm });
    expect(options?.askPassphrase).toBe(interaction.askPassphrase);
    expect(options?.askSecret).toBe(interaction.askSecret);
  });

  it('an unattended reconnect refuses new host keys on either transport', async () => {
    const { calls, connect } = harness({ ssh2Error: unsupported });
    await connect('auto', { unattended: true });
    expect(calls.ssh2[0]?.hostKeyPolicy).toEqual({ acceptNewHostKey: false, unattended: true });
    expect(calls.openssh[0]?.hostKeyPolicy).toEqual({ acceptNewHostKey: false, unattended: true });
  });

  it("ssh2 resolves ProxyJump hops with the session's config file", async () => {
    const { calls, connect } = harness();
    await connect('ssh2', interaction);
    await calls.ssh2[0]?.resolveHop?.('bastion');
    expect(calls.resolved).toEqual(['devserver', 'bastion']);
  });
});
