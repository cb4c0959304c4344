// `tunnel doctor`'s transport row: which transport connect would use and why, a warning when ssh2 is
// pinned on a host it cannot serve, and the login through OpenSSH when that is the transport.
import { describe, expect, it } from 'vitest';
import type { TransportSetting } from '../../../src/config/defaults.js';
import { runDoctor } from '../../../src/doctor/run.js';
import type { DoctorPorts, TransportPlan } from '../../../src/doctor/types.js';
import { TunnelError } from '../../../src/errors.js';
import { fakePorts, target } from './fakes.js';

const plan = { clusters: [], maps: new Map<number, number>(), bindAddress: '127.0.0.1' };
const CERT = 'CertificateFile /home/me/.ssh/id_ed25519-cert.pub';

async function doctor(setting: TransportSetting | undefined, overrides: Partial<DoctorPorts> = {}) {
  const ports = fakePorts(overrides);
  const logins: (TransportPlan | undefined)[] = [];
  const login = ports.login;
  ports.login = (t, transport) => {
    logins.push(transport);
    return login(t, transport);
  };
  const report = await runDoctor({ alias: 'devserver', plan, transport: setting, ports });
  const check = (id: string) => report.checks.find((entry) => entry.id === id)!;
  return { report, check, logins, ports };
}

const planned =
  (kind: 'ssh2' | 'openssh', reason?: string, limits: string[] = []) =>
  async () => ({
    kind,
    reason,
    limits,
  });

describe('doctor: transport', () => {
  it('says ssh2 when nothing needs OpenSSH, right after the ssh config', async () => {
    const { report, check, logins } = await doctor(undefined);
    expect(report.checks.map((entry) => entry.id).slice(0, 3)).toEqual([
      'ssh-config',
      'transport',
      'reachable',
    ]);
    expect(check('transport')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^ssh2 \(built in\)/),
    });
    expect(logins[0]?.kind).toBe('ssh2');
  });

  it('says OpenSSH and why under auto, and logs in through OpenSSH', async () => {
    const { report, check, logins } = await doctor('auto', { transport: planned('openssh', CERT, [CERT]) });
    expect(check('transport')).toMatchObject({ status: 'pass', detail: `OpenSSH — ${CERT}` });
    expect(logins).toEqual([{ kind: 'openssh', reason: CERT, limits: [CERT] }]);
    expect(report.ok).toBe(true);
  });

  it('names the setting when the user chose the transport', async () => {
    const openssh = await doctor('openssh', { transport: planned('openssh') });
    expect(openssh.check('transport').detail).toBe('OpenSSH (transport set to openssh)');
    const ssh2 = await doctor('ssh2');
    expect(ssh2.check('transport')).toMatchObject({ status: 'pass', detail: 'ssh2 (transport set to ssh2)' });
  });

  it('warns when ssh2 is pinned on a host it cannot serve, with the setting to change', async () => {
    const { check } = await doctor('ssh2', { transport: planned('ssh2', undefined, [CERT]) });
    expect(check('transport')).toMatchObject({
      status: 'warn',
      hint: 'Let tunnel use OpenSSH for it: tunnel config set devserver transport auto',
    });
    expect(check('transport').detail).toContain(CERT);
  });

  it('over OpenSSH: a login vouches for the host key; a fd-passing ProxyCommand is not probed with ssh2', async () => {
    const { check, ports } = await doctor('auto', {
      resolveTarget: async (alias) => target({ alias, proxyCommand: 'orb proxy', proxyUseFdpass: true }),
      transport: planned('openssh', 'ProxyUseFdpass yes'),
      login: async () => ({
        hostKey: undefined,
        devServer: undefined,
        method: undefined,
        error: new TunnelError('SSH_AUTH', 'Permission denied (publickey)'),
      }),
    });
    expect(check('reachable')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('ProxyUseFdpass'),
    });
    expect(ports.calls).not.toContain('reach');
    // A failed login without a host-key verdict fails the host-key check with the login's error.
    expect(check('host-key')).toMatchObject({ status: 'fail', detail: 'Permission denied (publickey)' });
  });

  it('over OpenSSH: a successful login passes host key and authentication', async () => {
    const base = fakePorts();
    const { check } = await doctor('openssh', {
      transport: planned('openssh'),
      login: async () => ({
        hostKey: undefined,
        devServer: base.devServer,
        method: 'through OpenSSH',
        error: undefined,
      }),
    });
    expect(check('host-key')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('checked by OpenSSH'),
    });
    expect(check('auth').detail).toBe('logged in as dev (through OpenSSH)');
  });
});
