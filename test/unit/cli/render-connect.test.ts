import { describe, expect, it } from 'vitest';
import { renderForwardOutcome } from '../../../src/cli/cluster/agent.js';
import { renderConnected } from '../../../src/cli/render-connect.js';
import { renderStatus } from '../../../src/cli/render-status.js';
import type { ClusterStatus, SessionStatus } from '../../../src/control/status-document.js';
import { forwardStatus, sessionStatus } from '../../builders.js';

const options = { color: false, now: new Date('2026-01-01T10:05:00.000Z') };
const render = (overrides: Partial<SessionStatus> = {}) => renderConnected(sessionStatus(overrides), options);
const base = sessionStatus();

function oneCluster(name: string, context: string | null): ClusterStatus[] {
  return [{ name, context, forwards: [forwardStatus({ kind: 'api', nodePort: 6443, remotePort: 16443 })] }];
}

describe('renderConnected', () => {
  it('shows service, local port and how it is reached per forward, the context, and every remap with how to pin it', () => {
    const text = render();
    expect(text).toContain('Forwarding devserver (dev.example.com), k3d v5.9.0:');
    expect(text).toMatch(
      /my-app\s+api\s+-\s+127\.0\.0\.1:16443\s+host port 16443\s+ok\s+context k3d-my-app@devserver/,
    );
    expect(text).toMatch(
      /my-app\s+service\s+-\s+127\.0\.0\.1:18080\s+host port 8080 → nodePort 30080\s+ok\s+local 8080 was busy/,
    );
    expect(text).toContain('127.0.0.1:8080 is in use on this machine');
    expect(text).toContain('--map 8080:<local>');
    expect(text).toContain('kubeconfig: merged into /home/dev/.kube/config (context k3d-my-app@devserver)');
    expect(text).toContain('kubectl --context k3d-my-app@devserver get pods');
    expect(text).not.toContain('\x1b[');
  });

  it('says the dev server is this machine, not that a port is in use, when that moved a forward', () => {
    const clusters: ClusterStatus[] = [
      {
        name: 'my-app',
        context: null,
        forwards: [
          forwardStatus({ localPort: 41234, remapped: { from: 8080, reason: 'self' } }),
          forwardStatus({
            kind: 'api',
            nodePort: 6443,
            localPort: 16443,
            remapped: { from: 6443, reason: 'pinned' },
          }),
        ],
      },
    ];
    const text = render({ clusters });
    expect(text).toMatch(/127\.0\.0\.1:41234\s+host port 8080 → nodePort 30080\s+ok\s+local 8080 would loop/);
    expect(text).toContain(
      "note: the dev server is this machine, so my-app's port 8080 is at 127.0.0.1:41234 (listening on 8080 would forward to itself)",
    );
    expect(text).toContain('pinned by --map 6443:16443');
    expect(text).not.toMatch(/in use|busy/);
  });

  it('is the same table as status, without the traffic columns that read zero right after connect', () => {
    const header = (text: string) => text.split('\n').find((line) => line.includes('KIND')) ?? '';
    const doc = {
      schemaVersion: 1 as const,
      agent: { pid: 1, version: 'v', startedAt: '', socketPath: '', logFile: '' },
      sessions: [base],
    };
    expect(header(render())).toMatch(/^CLUSTER\s+KIND\s+SERVICE\s+LOCAL\s+VIA\s+STATE\s+NOTE$/);
    expect(header(renderStatus(doc, options)).trim()).toMatch(
      /^CLUSTER\s+KIND\s+SERVICE\s+LOCAL\s+VIA\s+STATE\s+CONNS\s+IN\s+OUT\s+LAST ACTIVITY\s+NOTE$/,
    );
  });

  it('counts the dropped fields the report does not list, and names each listed one with why', () => {
    const dropped = {
      cluster: 'my-app',
      context: 'k3d-my-app@devserver',
      path: 'users[].user.exec',
      reason: 'a credential plugin would run a program on this machine',
    };
    const text = render({ kubeconfig: { ...base.kubeconfig, dropped: [dropped], moreDropped: 2980 } });
    expect(text).toContain(
      "dropped users[].user.exec from k3d-my-app@devserver's kubeconfig: a credential plugin would run a program on this machine",
    );
    expect(text).toContain("dropped 2980 more fields from the dev server's kubeconfig");
  });

  it('colours only when asked', () => {
    expect(renderConnected(base, { ...options, color: true })).toContain('\x1b[33m');
  });

  it('says so when a --map matched nothing and when the kubeconfig was skipped', () => {
    const text = render({ unusedMaps: [9999], kubeconfig: { mode: 'none', file: null } });
    expect(text).toContain('--map 9999:… matches no port');
    expect(text).toContain('not written (--no-kubeconfig)');
  });

  it('names the context made current instead of offering a kubectl line', () => {
    const text = render({ kubeconfig: { ...base.kubeconfig, switchedTo: 'k3d-my-app@devserver' } });
    expect(text).toContain('current context is now k3d-my-app@devserver');
    expect(text).not.toContain('try: kubectl');
  });

  it('escapes control characters in remote-supplied names instead of printing them', () => {
    const name = 'evil\x1b[2J\nname';
    const text = render({ clusters: oneCluster(name, `k3d-${name}@devserver`) });
    expect(text).toContain('evil\\x1b[2J\\x0aname');
    expect(text).toContain('context k3d-evil\\x1b[2J\\x0aname@devserver');
    expect(text).not.toContain('\x1b[2J');
  });
});

describe('server-chosen names on the terminal and in pasteable lines', () => {
  const withContext = (cluster: string, context: string) =>
    render({ clusters: oneCluster(cluster, context) });

  it('escapes C1 controls (CSI, OSC), bidi overrides and line separators, not only C0', () => {
    const name = 'a\u009b2Jb\u009d52;c;eA==\u009cc\u202eevil\u2066d\u2028e';
    const text = withContext(name, `k3d-${name}@devserver`);
    expect(text).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    expect(text).toContain('a\\x9b2Jb\\x9d52;c;eA==\\x9cc\\u202eevil\\u2066d\\u2028e');
  });

  it('shell-quotes the context in the `try:` line, so pasting it can never run $(…)', () => {
    const text = withContext('x', "k3d-$(touch /tmp/p)'s@devserver");
    expect(text).toContain("try: kubectl --context 'k3d-$(touch /tmp/p)'\\''s@devserver' get pods");
  });

  it('escapes names and errors in the skipped, not-forwarded and kubeconfig lines', () => {
    const name = 'x\u009b2J';
    const unbound = forwardStatus({
      id: `${name}/service/127.0.0.1:8080`,
      state: 'unbound',
      lastError: `in use by ${name}`,
    });
    const text = render({
      clusters: [{ name, context: null, forwards: [unbound] }],
      skipped: [{ cluster: name, reason: `stopped \u001b[31m${name}` }],
      kubeconfig: { ...base.kubeconfig, errors: [{ cluster: name, error: `bad ${name}` }] },
    });
    expect(text).not.toMatch(/[\u001b\u009b]/);
    expect(text).toContain('skipped x\\x9b2J: stopped \\x1b[31mx\\x9b2J');
    expect(text).toContain('not forwarded x\\x9b2J/service/127.0.0.1:8080: in use by x\\x9b2J');
    expect(text).toContain('kubeconfig for x\\x9b2J not written: bad x\\x9b2J');
  });

  it('offers a placeholder instead of a context that cannot be pasted as it is shown', () => {
    const text = withContext('x', 'k3d-x\x1b]52;c;Y3VybA==\x07@dev');
    expect(text).toContain('try: kubectl --context <context> get pods');
    expect(text).not.toContain('\x1b');
  });
});

describe('the busy-port note', () => {
  it('names the address the forward listens on (--bind), not always 127.0.0.1', () => {
    const forward = forwardStatus({
      localAddress: '0.0.0.0',
      localPort: 18080,
      remapped: { from: 8080, reason: 'busy' },
    });
    const text = render({ clusters: [{ name: 'my-app', context: null, forwards: [forward] }] });
    expect(text).toContain('note: 0.0.0.0:8080 is in use on this machine');
    expect(text).not.toContain('127.0.0.1:8080 is in use');
  });

  it('names the holder when the agent could tell (macOS: a program on the wildcard address)', () => {
    const forward = forwardStatus({
      localPort: 15000,
      remotePort: 5000,
      remapped: { from: 5000, reason: 'busy', heldBy: 'ControlCenter (pid 512) on *:5000' },
    });
    const text = render({ clusters: [{ name: 'my-app', context: null, forwards: [forward] }] });
    expect(text).toContain(
      "note: 127.0.0.1:5000 is in use on this machine by ControlCenter (pid 512) on *:5000, so my-app's port 5000 is at 127.0.0.1:15000",
    );
  });
});

describe('renderForwardOutcome (cluster create --connect)', () => {
  it("shows the new cluster's forwards in the same table, without the cluster column", () => {
    const session = sessionStatus();
    const text = renderForwardOutcome(
      { how: 'rediscovered', session, cluster: session.clusters[0] },
      'my-app',
    );
    expect(text).toContain('forwarding my-app through the session for devserver:');
    expect(text).toMatch(/^KIND\s+SERVICE\s+LOCAL\s+VIA\s+STATE\s+NOTE$/m);
    expect(text).toMatch(
      /^service\s+-\s+127\.0\.0\.1:18080\s+host port 8080 → nodePort 30080\s+ok\s+local 8080 was busy$/m,
    );
  });

  it("escapes the session's reason for skipping the new cluster", () => {
    const session = sessionStatus({
      clusters: [],
      skipped: [{ cluster: 'my-app', reason: 'no API port \u001b]0;owned\u0007' }],
    });
    const text = renderForwardOutcome({ how: 'rediscovered', session, cluster: undefined }, 'my-app');
    expect(text).toContain('did not forward my-app: no API port \\x1b]0;owned\\x07');
    expect(text).not.toContain('\u001b');
  });
});
