// "via OpenSSH (<reason>)": said once by `tunnel connect` and once per session by `tunnel status` when the
// session runs on OpenSSH; nothing for ssh2, the default. The reason is escaped (it may quote a server).
import { describe, expect, it } from 'vitest';
import { renderConnected, transportLine } from '../../../src/cli/render-connect.js';
import { renderStatus } from '../../../src/cli/render-status.js';
import type { SessionStatus, TransportStatus } from '../../../src/control/status-document.js';
import { sessionStatus } from '../../builders.js';

const NOW = new Date('2026-01-01T10:05:00.000Z');
const CERT = 'CertificateFile /home/me/.ssh/id_ed25519-cert.pub';
const options = { color: false, now: NOW };

function on(transport: TransportStatus | undefined): SessionStatus {
  return sessionStatus({ transport });
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the transport line', () => {
  it('names OpenSSH and why auto chose it', () => {
    expect(transportLine({ setting: 'auto', kind: 'openssh', reason: CERT })).toBe(`via OpenSSH (${CERT})`);
  });

  it('says the user chose it when they did', () => {
    expect(transportLine({ setting: 'openssh', kind: 'openssh', reason: null })).toBe(
      'via OpenSSH (transport set to openssh)',
    );
  });

  it('is absent for ssh2, before the first connection under auto, and from an older agent', () => {
    expect(transportLine({ setting: 'auto', kind: 'ssh2', reason: null })).toBeUndefined();
    expect(transportLine({ setting: 'ssh2', kind: 'ssh2', reason: null })).toBeUndefined();
    expect(transportLine({ setting: 'auto', kind: null, reason: null })).toBeUndefined();
    expect(transportLine(undefined)).toBeUndefined();
  });

  it('escapes a reason that quotes the server', () => {
    const line = transportLine({
      setting: 'auto',
      kind: 'openssh',
      reason: 'offers only \u001b[2Jhostbased',
    });
    expect(line).not.toContain('\u001b');
  });
});

describe('connect and status output', () => {
  const openssh = on({ setting: 'auto', kind: 'openssh', reason: CERT });

  it('`tunnel connect` says "via OpenSSH (…)" once', () => {
    expect(count(renderConnected(openssh, options), 'via OpenSSH')).toBe(1);
    expect(renderConnected(openssh, options)).toContain(`via OpenSSH (${CERT})`);
    expect(renderConnected(on({ setting: 'auto', kind: 'ssh2', reason: null }), options)).not.toContain(
      'via ',
    );
  });

  it('`tunnel status` says it once under the session it concerns', () => {
    const other = { ...on({ setting: 'auto', kind: 'ssh2', reason: null }), host: 'other' };
    const agent = { pid: 1, version: '0.1.0', startedAt: NOW.toISOString(), socketPath: '/s', logFile: '/l' };
    const text = renderStatus({ schemaVersion: 1, agent, sessions: [openssh, other] }, options);
    expect(count(text, 'via OpenSSH')).toBe(1);
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.includes('via OpenSSH'));
    expect(lines.slice(0, at).some((line) => line.startsWith('devserver'))).toBe(true);
    expect(lines.slice(0, at).some((line) => line.startsWith('other'))).toBe(false);
  });
});
