import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatClock } from '../../../src/cli/format.js';
import { renderStatus, renderStatusWatchFrame } from '../../../src/cli/render-status.js';
import type {
  ClusterStatus,
  ForwardStatus,
  SessionStatus,
  StatusDocument,
} from '../../../src/control/status-document.js';
import { forwardStatus } from '../../builders.js';

// Built from local fields, so the clock times asserted below hold in any time zone.
const NOW = new Date(2025, 0, 15, 10, 45, 10);
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const options = { color: false, now: NOW };

const forward = (overrides: Partial<ForwardStatus> = {}) =>
  forwardStatus({ remote: { answers: true, checkedAt: ago(30), error: null }, ...overrides });

const apiForward = (port: number, overrides: Partial<ForwardStatus> = {}) =>
  forward({ kind: 'api', remotePort: port, nodePort: 6443, ...overrides });

function cluster(name: string, forwards: ForwardStatus[], context: string | null = null): ClusterStatus {
  return { name, context, forwards };
}

function session(overrides: Partial<SessionStatus> = {}): SessionStatus {
  return {
    host: 'devserver',
    hostName: 'dev.example.com',
    state: 'forwarding',
    since: ago(192),
    attempt: null,
    nextAttemptAt: null,
    connectedAt: ago(192),
    reconnectCount: 1,
    lastError: null,
    k3dVersion: 'v5.9.0',
    discoveredAt: ago(20),
    kubeconfig: { mode: 'merge', file: '/home/dev/.kube/config' },
    clusters: [
      cluster(
        'my-app',
        [apiForward(16443), forward({ open: 1, total: 7, bytesIn: 1260, bytesOut: 300 })],
        'k3d-my-app@devserver',
      ),
      cluster('shop', [forward({ remotePort: 9090, nodePort: 30090, lastActivityAt: ago(12) })]),
    ],
    skipped: [],
    settings: { clusters: [], bindAddress: '127.0.0.1', holdTimeoutMs: 30_000, rediscoverIntervalMs: 60_000 },
    ...overrides,
  };
}

function doc(sessions: SessionStatus[] = [session()]): StatusDocument {
  const agent = { pid: 4242, version: '0.1.0', startedAt: ago(7200), socketPath: '/s', logFile: '/l' };
  return { schemaVersion: 1, agent, sessions };
}

const lineWith = (text: string, part: string) => text.split('\n').find((line) => line.includes(part)) ?? '';

describe('renderStatus', () => {
  it('shows the agent, the session header and one table row per forward across clusters', () => {
    const text = renderStatus(doc(), options);
    expect(text.split('\n')[0]).toBe('agent 0.1.0, pid 4242, up 2h');
    expect(text).toContain('devserver (dev.example.com)  forwarding for 3m12s · 1 reconnect · k3d v5.9.0');
    expect(text).toMatch(
      /CLUSTER\s+KIND\s+SERVICE\s+LOCAL\s+VIA\s+STATE\s+CONNS\s+IN\s+OUT\s+LAST ACTIVITY\s+NOTE/,
    );
    expect(text).toMatch(
      /my-app\s+api\s+-\s+127\.0\.0\.1:16443\s+host port 16443\s+ok\s+0\/0\s+0 B\s+0 B\s+never\s+context k3d-my-app@devserver/,
    );
    expect(text).toMatch(
      /my-app\s+service\s+-\s+127\.0\.0\.1:8080\s+host port 8080 → nodePort 30080\s+ok\s+1\/7\s+1\.2 KiB\s+300 B/,
    );
    expect(text).toMatch(
      /shop\s+service\s+-\s+127\.0\.0\.1:9090\s+host port 9090 → nodePort 30090\s+ok\s+0\/0\s+0 B\s+0 B\s+12s ago/,
    );
    expect(text).toContain('  kubeconfig: merged into /home/dev/.kube/config');
  });

  it('names a remapped local port and the error of a refused forward', () => {
    const remapped = forward({ localPort: 18080, remapped: { from: 8080, reason: 'busy' } });
    const refused = forward({
      remotePort: 9090,
      state: 'refused',
      lastError:
        'the dev server refused 127.0.0.1:9090: connection refused (is the k3d load balancer running?)',
    });
    const text = renderStatus(
      doc([session({ clusters: [cluster('my-app', [remapped, refused])] })]),
      options,
    );
    expect(lineWith(text, '18080')).toMatch(
      /127\.0\.0\.1:18080\s+host port 8080 → nodePort 30080\s+.*local 8080 was busy$/,
    );
    const note = lineWith(text, ':9090')
      .split(/\s{2,}/)
      .at(-1)!;
    expect(lineWith(text, ':9090')).toMatch(/\srefused\s/);
    expect(note.startsWith('the dev server refused 127.0.0.1:9090: connection')).toBe(true);
    expect(note.endsWith('…')).toBe(true);
    expect(note.length).toBeLessThanOrEqual(60);
  });

  it('while reconnecting: holding forwards, the countdown, the last error and its hint', () => {
    const reconnecting = session({
      state: 'reconnecting',
      since: ago(62),
      attempt: 3,
      nextAttemptAt: new Date(NOW.getTime() + 3_400).toISOString(),
      connectedAt: null,
      lastError: {
        message: 'connection lost: no answer to 3 keepalives',
        hint: 'Check the VPN, then wait: tunnel keeps retrying.',
        code: 'SSH_CONNECT',
        at: new Date(2025, 0, 15, 10, 41, 58).toISOString(),
      },
      clusters: [cluster('my-app', [forward({ state: 'holding', held: 2, dropped: 1 })])],
    });
    const lines = renderStatus(doc([reconnecting]), options).split('\n');
    expect(lines).toContain(
      'devserver (dev.example.com)  reconnecting: attempt 3, next try in 4s · down for 1m02s · 1 reconnect · k3d v5.9.0',
    );
    expect(lines).toContain('  last error 10:41:58: connection lost: no answer to 3 keepalives');
    expect(lines).toContain('  hint: Check the VPN, then wait: tunnel keeps retrying.');
    expect(lines.indexOf('  hint: Check the VPN, then wait: tunnel keeps retrying.')).toBe(
      lines.indexOf('  last error 10:41:58: connection lost: no answer to 3 keepalives') + 1,
    );
    expect(lineWith(lines.join('\n'), 'my-app')).toMatch(/\sholding\s.*held 2, dropped 1$/);
  });

  it('waiting for an answer: says so and what to run, no countdown; forwards hold', () => {
    const waiting = session({
      state: 'needs-answer',
      since: ago(30),
      downSince: ago(95),
      connectedAt: null,
      lastError: {
        message: 'the login needs an answer (Verification code:) and nobody can give one',
        hint: 'Run `tunnel connect devserver` to answer it.',
        code: 'SSH_NEEDS_ANSWER',
        at: new Date(2025, 0, 15, 10, 44, 40).toISOString(),
      },
      clusters: [cluster('my-app', [forward({ state: 'holding' })])],
    });
    const lines = renderStatus(doc([waiting]), options).split('\n');
    expect(lines).toContain(
      'devserver (dev.example.com)  waiting for you: the login needs an answer — run: tunnel connect devserver · down for 1m35s · 1 reconnect · k3d v5.9.0',
    );
    expect(lines).toContain(
      '  last error 10:44:40: the login needs an answer (Verification code:) and nobody can give one',
    );
    expect(lineWith(lines.join('\n'), 'my-app')).toMatch(/\sholding\s/);
  });

  it('counts "down for" from the loss, not from the current attempt (connecting and reconnecting)', () => {
    const down = { since: ago(4), downSince: ago(95), connectedAt: null, hostName: null, clusters: [] };
    const waiting = session({ ...down, state: 'reconnecting', attempt: 9, nextAttemptAt: ago(-3) });
    expect(renderStatus(doc([waiting]), options)).toContain(
      'devserver  reconnecting: attempt 9, next try in 3s · down for 1m35s · 1 reconnect',
    );
    const trying = session({ ...down, state: 'connecting', attempt: 10 });
    expect(renderStatus(doc([trying]), options)).toContain(
      'devserver  connecting (attempt 10) for 4s · down for 1m35s · 1 reconnect',
    );
  });

  it('shows the attempt while connecting, and a recent recovered error dimly only while it is recent', () => {
    const connecting = session({
      state: 'connecting',
      since: ago(4),
      attempt: 2,
      hostName: null,
      clusters: [],
    });
    expect(renderStatus(doc([connecting]), options)).toContain(
      'devserver  connecting (attempt 2) for 4s · 1 reconnect',
    );
    const error = {
      message: 'connection lost',
      hint: null,
      code: null,
      at: new Date(2025, 0, 15, 10, 41, 58).toISOString(),
    };
    const recovered = renderStatus(doc([session({ lastError: error })]), options);
    expect(recovered).toContain('  recovered from: connection lost (at 10:41:58)');
    const old = renderStatus(doc([session({ lastError: { ...error, at: ago(11 * 60) } })]), options);
    expect(old).not.toContain('connection lost');
  });

  it('lists skipped clusters and says when the kubeconfig was written elsewhere or not at all', () => {
    const skipped = [{ cluster: 'old', reason: 'cluster is stopped' }];
    expect(renderStatus(doc([session({ skipped })]), options)).toContain(
      '\n  skipped old: cluster is stopped',
    );
    const none = session({ kubeconfig: { mode: 'none', file: null } });
    expect(renderStatus(doc([none]), options)).toContain('  kubeconfig: not written (--no-kubeconfig)');
    const standalone = session({ kubeconfig: { mode: 'standalone', file: '/tmp/kc.yaml' } });
    expect(renderStatus(doc([standalone]), options)).toContain('  kubeconfig: written to /tmp/kc.yaml');
  });

  it('separates sessions with a blank line, and says how to start one when there are none', () => {
    const two = renderStatus(doc([session(), session({ host: 'other', hostName: null })]), options);
    expect(two).toContain('/home/dev/.kube/config\n\nother  forwarding');
    expect(renderStatus(doc([]), options)).toBe(
      'agent 0.1.0, pid 4242, up 2h\n\nNo sessions. Start one with: tunnel connect <host>',
    );
  });

  it('uses no escape codes without colour, and colours STATE by value on a terminal without moving columns', () => {
    const states = [
      forward({ state: 'refused', remotePort: 1 }),
      forward({ state: 'stopped', remotePort: 2 }),
    ];
    const mixed = doc([session({ clusters: [cluster('my-app', [...states, forward({ remotePort: 3 })])] })]);
    expect(renderStatus(mixed, options)).not.toContain('\x1b');
    const coloured = renderStatus(mixed, { color: true, now: NOW });
    expect(coloured).toContain('\x1b[31mrefused\x1b[0m');
    expect(coloured).toContain('\x1b[2mstopped\x1b[0m');
    expect(coloured).toContain('\x1b[32mok\x1b[0m');
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(renderStatus(mixed, options));
  });

  it('escapes control characters in names, contexts, errors and hints from the remote side', () => {
    const name = 'evil\x1b[2J\nname';
    const hostile = session({
      host: 'dev\x07box',
      lastError: { message: 'boom\x1b[31m', hint: 'run\nthis', code: null, at: ago(5) },
      state: 'reconnecting',
      clusters: [cluster(name, [apiForward(16443)], `k3d-${name}@devserver`)],
      skipped: [{ cluster: name, reason: 'cluster is stopped' }],
    });
    const text = renderStatus(doc([hostile]), options);
    expect(text).toContain('dev\\x07box (dev.example.com)');
    expect(text).toContain('evil\\x1b[2J\\x0aname');
    expect(text).toContain('context k3d-evil\\x1b[2J\\x0aname@devserver');
    expect(text).toContain('boom\\x1b[31m');
    expect(text).toContain('hint: run\\x0athis');
    expect(text).toContain('skipped evil\\x1b[2J\\x0aname: cluster is stopped');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
  });
});

describe('renderStatusWatchFrame', () => {
  it('adds a title with the time of the update above the status', () => {
    const frame = renderStatusWatchFrame(doc(), options);
    expect(frame.split('\n')[0]).toBe('tunnel status — live, updated 10:45:10  (Ctrl-C to stop)');
    expect(frame).toContain(renderStatus(doc(), options));
  });
});

describe('formatting helpers', () => {
  it('humanizes bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1260)).toBe('1.2 KiB');
    expect(formatBytes(3.4 * 1024 ** 2)).toBe('3.4 MiB');
    expect(formatBytes(1.1 * 1024 ** 3)).toBe('1.1 GiB');
    expect(formatBytes(1024 ** 2 - 10)).toBe('1.0 MiB');
  });

  it('formats ages the way people say them', () => {
    expect(formatAge(4_900)).toBe('4s');
    expect(formatAge(192_000)).toBe('3m12s');
    expect(formatAge(185_000)).toBe('3m05s');
    expect(formatAge((2 * 60 + 5) * 60_000)).toBe('2h05m');
    expect(formatAge(7_200_000)).toBe('2h');
    expect(formatAge((3 * 24 + 4) * 3_600_000)).toBe('3d4h');
    expect(formatAge(-5_000)).toBe('0s');
    expect(formatClock(new Date(2025, 0, 1, 9, 5, 7))).toBe('09:05:07');
  });
});
