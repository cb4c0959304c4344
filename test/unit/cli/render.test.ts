import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderClusters, renderForwards, safeText } from '../../../src/cli/render.js';
import type { SessionReport } from '../../../src/session/session.js';
import { VERSION } from '../../../src/version.js';
import { forwardSpec } from '../../builders.js';

const forward = forwardSpec;

function report(overrides: Partial<SessionReport> = {}): SessionReport {
  return {
    alias: 'devserver',
    hostName: 'dev.example.com',
    k3d: { command: ['k3d'], foundVia: 'PATH', k3dVersion: 'v5.9.0', k3sVersion: undefined },
    clusters: [],
    forwards: [
      forward({ kind: 'api', localPort: 16443, remotePort: 16443, nodePort: 6443 }),
      forward({ localPort: 18080, remapped: { from: 8080, reason: 'busy' } }),
    ],
    skipped: [],
    unusedMaps: [],
    failed: [],
    kubeconfig: {
      mode: 'merge',
      file: '/home/dev/.kube/config',
      contexts: [{ cluster: 'my-app', context: 'k3d-my-app@devserver' }],
      errors: [],
      dropped: [],
      switchedTo: undefined,
    },
    ...overrides,
  };
}

describe('renderForwards', () => {
  it('shows local → dev-server → NodePort per forward, the context, and every remap with how to pin it', () => {
    const text = renderForwards(report(), { color: false });
    expect(text).toMatch(
      /my-app\s+api\s+127\.0\.0\.1:16443\s+127\.0\.0\.1:16443\s+6443\s+context k3d-my-app@devserver/,
    );
    expect(text).toMatch(
      /my-app\s+service\s+127\.0\.0\.1:18080\s+127\.0\.0\.1:8080\s+30080\s+local 8080 was busy/,
    );
    expect(text).toContain('127.0.0.1:8080 is in use on this machine');
    expect(text).toContain('--map 8080:<local>');
    expect(text).toContain('kubectl --context k3d-my-app@devserver get pods');
    expect(text).not.toContain('\x1b[');
  });

  it('says the dev server is this machine, not that a port is in use, when that moved a forward', () => {
    const forwards = [
      forward({ localPort: 41234, remapped: { from: 8080, reason: 'self' } }),
      forward({ kind: 'api', localPort: 16443, remapped: { from: 6443, reason: 'pinned' } }),
    ];
    const text = renderForwards(report({ forwards }), { color: false });
    expect(text).toMatch(/127\.0\.0\.1:41234\s+127\.0\.0\.1:8080\s+30080\s+local 8080 would loop/);
    expect(text).toContain(
      "note: the dev server is this machine, so my-app's port 8080 is at 127.0.0.1:41234 (listening on 8080 would forward to itself)",
    );
    expect(text).toContain('pinned by --map 6443:16443');
    expect(text).not.toMatch(/in use|busy/);
  });

  it('counts the dropped fields the report does not list', () => {
    const dropped = {
      cluster: 'my-app',
      context: 'k3d-my-app@devserver',
      path: 'users[].user.k0',
      reason: 'r',
    };
    const text = renderForwards(
      report({ kubeconfig: { ...report().kubeconfig, dropped: [dropped], moreDropped: 2980 } }),
      { color: false },
    );
    expect(text).toContain("dropped users[].user.k0 from k3d-my-app@devserver's kubeconfig: r");
    expect(text).toContain("dropped 2980 more fields from the dev server's kubeconfig");
  });

  it('colours only when asked', () => {
    expect(renderForwards(report(), { color: true })).toContain('\x1b[33m');
  });

  it('says so when a --map matched nothing and when the kubeconfig was skipped', () => {
    const text = renderForwards(
      report({ unusedMaps: [9999], kubeconfig: { ...report().kubeconfig, mode: 'none' } }),
      {
        color: false,
      },
    );
    expect(text).toContain('--map 9999:… matches no port');
    expect(text).toContain('not written (--no-kubeconfig)');
  });

  it('names each field dropped from the dev server kubeconfig, and why', () => {
    const kubeconfig = {
      ...report().kubeconfig,
      dropped: [
        {
          cluster: 'my-app',
          context: 'k3d-my-app@devserver',
          path: 'users[].user.exec',
          reason: 'a credential plugin would run a program on this machine',
        },
      ],
    };
    expect(renderForwards(report({ kubeconfig }), { color: false })).toContain(
      "dropped users[].user.exec from k3d-my-app@devserver's kubeconfig: a credential plugin would run a program on this machine",
    );
  });

  it('escapes control characters in remote-supplied names instead of printing them', () => {
    const name = 'evil\x1b[2J\nname';
    const hostile = report({
      forwards: [forward({ cluster: name }), forward({ cluster: name, kind: 'api', nodePort: 6443 })],
      kubeconfig: { ...report().kubeconfig, contexts: [{ cluster: name, context: `k3d-${name}@devserver` }] },
    });
    const text = renderForwards(hostile, { color: false });
    expect(text).toContain('evil\\x1b[2J\\x0aname');
    expect(text).toContain('context k3d-evil\\x1b[2J\\x0aname@devserver');
    expect(text).not.toContain('\x1b[2J');
    expect(safeText('a\tb')).toBe('a\\x09b');
  });
});

describe('server-chosen names on the terminal and in pasteable lines', () => {
  const withContext = (cluster: string, context: string) =>
    report({
      forwards: [forward({ cluster, kind: 'api', nodePort: 6443 })],
      kubeconfig: { ...report().kubeconfig, contexts: [{ cluster, context }] },
    });

  it('escapes C1 controls (CSI, OSC), bidi overrides and line separators, not only C0', () => {
    const name = 'a\u009b2Jb\u009d52;c;eA==\u009cc\u202eevil\u2066d\u2028e';
    const text = renderForwards(withContext(name, `k3d-${name}@devserver`), { color: false });
    expect(text).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
    expect(text).toContain('a\\x9b2Jb\\x9d52;c;eA==\\x9cc\\u202eevil\\u2066d\\u2028e');
  });

  it('shell-quotes the context in the `try:` line, so pasting it can never run $(…)', () => {
    const text = renderForwards(withContext('x', "k3d-$(touch /tmp/p)'s@devserver"), { color: false });
    expect(text).toContain("try: kubectl --context 'k3d-$(touch /tmp/p)'\\''s@devserver' get pods");
  });

  it('escapes names and errors in the skipped, not-forwarded and kubeconfig lines', () => {
    const name = 'x\u009b2J';
    const text = renderForwards(
      report({
        skipped: [{ cluster: name, reason: `stopped \u001b[31m${name}` }],
        failed: [{ spec: forward({ cluster: name }), error: `in use by ${name}` }],
        kubeconfig: { ...report().kubeconfig, errors: [{ cluster: name, error: `bad ${name}` }] },
      }),
      { color: false },
    );
    expect(text).not.toMatch(/[\u001b\u009b]/);
    expect(text).toContain('skipped x\\x9b2J: stopped \\x1b[31mx\\x9b2J');
    expect(text).toContain('not forwarded x\\x9b2J/service/127.0.0.1:8080: in use by x\\x9b2J');
    expect(text).toContain('kubeconfig for x\\x9b2J not written: bad x\\x9b2J');
  });

  it('offers a placeholder instead of a context that cannot be pasted as it is shown', () => {
    const text = renderForwards(withContext('x', 'k3d-x\x1b]52;c;Y3VybA==\x07@dev'), { color: false });
    expect(text).toContain('try: kubectl --context <context> get pods');
    expect(text).not.toContain('\x1b');
  });
});

describe('renderClusters', () => {
  it('explains an empty dev server with the next command', () => {
    expect(renderClusters([])).toContain('k3d cluster create');
  });
});

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
