// sessionStatus(): the documented status document of one session, from plain data. What `tunnel status`
// shows per forward (ok, holding, refused, unbound, stopped), how forwards group under clusters, and
// which fields are null rather than absent.
import { describe, expect, it } from 'vitest';
import type { ForwardStatus } from '../../../src/control/status-document.js';
import { emptyStats } from '../../../src/forward/listener.js';
import type { ForwardSnapshot, ForwardStats } from '../../../src/forward/types.js';
import type { ForwardSpec } from '../../../src/plan/types.js';
import type { KubeconfigReport } from '../../../src/session/kubeconfig-step.js';
import { type StatusInput, sessionStatus } from '../../../src/session/status.js';
import type { SessionState } from '../../../src/supervisor/state.js';
import { forwardSpec, sessionOptions } from '../../builders.js';

const options = sessionOptions({ clusters: ['my-app'], maps: new Map([[8080, 18080]]) });

const kubeconfig: KubeconfigReport = {
  mode: 'merge',
  file: '/home/me/.kube/config',
  contexts: [{ cluster: 'my-app', context: 'k3d-my-app@devserver' }],
  errors: [],
  dropped: [],
  switchedTo: undefined,
};

const forwarding: SessionState = { kind: 'forwarding', connectedAt: '2026-01-01T10:00:00.000Z' };

function listening(spec: ForwardSpec, stats: Partial<ForwardStats> = {}): ForwardSnapshot {
  return { spec, state: 'listening', stats: { ...emptyStats(), ...stats } };
}

function input(
  overrides: Partial<StatusInput> & { state?: SessionState; forwards?: ForwardSnapshot[] } = {},
) {
  const { state = forwarding, forwards = [], ...rest } = overrides;
  const base: StatusInput = {
    options,
    snapshot: {
      state,
      since: '2026-01-01T10:00:00.000Z',
      downSince: undefined,
      reconnectCount: 0,
      lastError: undefined,
      forwards,
    },
    hostName: 'dev.example.com',
    k3dVersion: 'v5.9.0',
    discoveredAt: '2026-01-01T09:59:59.000Z',
    kubeconfig,
    skipped: [],
    unusedMaps: [],
    failed: [],
  };
  return { ...base, ...rest };
}

const web = forwardSpec({ cluster: 'my-app', remotePort: 8080, nodePort: 30080, localPort: 18080 });
const api = forwardSpec({ cluster: 'my-app', kind: 'api', remotePort: 16443, nodePort: 6443 });

function only(status: ReturnType<typeof sessionStatus>): ForwardStatus {
  const all = status.clusters.flatMap((cluster) => cluster.forwards);
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe('sessionStatus: forward states', () => {
  it('ok while forwarding, whether or not the dev-server end was checked yet', () => {
    const status = sessionStatus(
      input({ forwards: [listening(api), listening(web, { remoteAnswers: true, remoteCheckedAt: 'then' })] }),
    );
    const states = status.clusters[0]!.forwards.map((forward) => [forward.kind, forward.state]);
    expect(states).toEqual([
      ['api', 'ok'],
      ['service', 'ok'],
    ]);
    expect(status.clusters[0]!.forwards[1]!.remote).toEqual({
      answers: true,
      checkedAt: 'then',
      error: null,
    });
  });

  it('refused after a failed check, with the dev server’s error', () => {
    const forward = only(
      sessionStatus(
        input({
          forwards: [
            listening(web, {
              remoteAnswers: false,
              remoteCheckedAt: '2026-01-01T10:00:01.000Z',
              remoteError: 'Could not open a forward to 127.0.0.1:8080 on the dev server: Connection refused',
            }),
          ],
        }),
      ),
    );
    expect(forward.state).toBe('refused');
    expect(forward.remote).toEqual({
      answers: false,
      checkedAt: '2026-01-01T10:00:01.000Z',
      error: 'Could not open a forward to 127.0.0.1:8080 on the dev server: Connection refused',
    });
  });

  it.each([
    [{ kind: 'reconnecting', attempt: 2, nextAttemptAt: 'soon', lastError: {} } as SessionState],
    [{ kind: 'connecting', attempt: 1 } as SessionState],
  ])('holding while the session is down (%o), even for a forward that was refused before', (state) => {
    const status = sessionStatus(
      input({ state, forwards: [listening(web, { remoteAnswers: false, remoteError: 'refused' })] }),
    );
    expect(only(status).state).toBe('holding');
  });

  it('unbound for a forward whose local port could not be bound, with why, and no counters', () => {
    const status = sessionStatus(
      input({
        forwards: [listening(api)],
        failed: [{ spec: web, error: 'cannot listen on 127.0.0.1:18080: EADDRINUSE' }],
      }),
    );
    const unbound = status.clusters[0]!.forwards.find((forward) => forward.kind === 'service')!;
    expect(unbound).toMatchObject({
      state: 'unbound',
      localPort: 18080,
      lastError: 'cannot listen on 127.0.0.1:18080: EADDRINUSE',
      // The bind was tried right after the last discovery.
      lastErrorAt: '2026-01-01T09:59:59.000Z',
      remote: { answers: null, checkedAt: null, error: null },
      open: 0,
      total: 0,
      bytesIn: 0,
      bytesOut: 0,
      lastActivityAt: null,
    });
  });

  it('stopped when the session is stopped, or the listener is', () => {
    expect(only(sessionStatus(input({ state: { kind: 'stopped' }, forwards: [listening(web)] }))).state).toBe(
      'stopped',
    );
    const closed: ForwardSnapshot = { ...listening(web), state: 'stopped' };
    expect(only(sessionStatus(input({ forwards: [closed] }))).state).toBe('stopped');
  });
});

describe('sessionStatus: clusters', () => {
  it('groups forwards by cluster, sorted by name; the API first, then services by dev-server port', () => {
    const specs = [
      forwardSpec({ cluster: 'zeta', remotePort: 9090 }),
      forwardSpec({ cluster: 'my-app', remotePort: 8080 }),
      forwardSpec({ cluster: 'my-app', remotePort: 3000 }),
      forwardSpec({ cluster: 'zeta', kind: 'api', remotePort: 16444 }),
      forwardSpec({ cluster: 'my-app', kind: 'api', remotePort: 16443 }),
    ];
    const status = sessionStatus(
      input({
        forwards: specs.slice(1).map((spec) => listening(spec)),
        failed: [{ spec: specs[0]!, error: 'busy' }],
      }),
    );
    expect(
      status.clusters.map((cluster) => [
        cluster.name,
        cluster.context,
        cluster.forwards.map((forward) => `${forward.kind}:${forward.remotePort}`),
      ]),
    ).toEqual([
      ['my-app', 'k3d-my-app@devserver', ['api:16443', 'service:3000', 'service:8080']],
      // No context written for it (yet): null, not absent.
      ['zeta', null, ['api:16444', 'service:9090']],
    ]);
  });

  it('keeps a cluster whose name contains "/" whole, with its context and every forward', () => {
    const cluster = 'team/app';
    const forwards = [
      forwardSpec({ cluster, kind: 'api', remotePort: 16443 }),
      forwardSpec({ cluster, remotePort: 8080 }),
    ].map((spec) => listening(spec));
    const contexts = [{ cluster, context: 'k3d-team/app@devserver' }];
    const status = sessionStatus(input({ forwards, kubeconfig: { ...kubeconfig, contexts } }));
    expect(status.clusters).toHaveLength(1);
    expect(status.clusters[0]).toMatchObject({ name: 'team/app', context: 'k3d-team/app@devserver' });
    expect(status.clusters[0]!.forwards.map((forward) => forward.kind)).toEqual(['api', 'service']);
  });

  it('has no clusters when nothing is forwarded', () => {
    expect(sessionStatus(input()).clusters).toEqual([]);
  });
});

describe('sessionStatus: fields', () => {
  it('carries every value it knows, and the counters of each forward', () => {
    const status = sessionStatus(
      input({
        forwards: [
          listening(
            { ...web, remapped: { from: 8080, reason: 'pinned' } },
            {
              open: 1,
              total: 4,
              bytesIn: 1200,
              bytesOut: 300,
              failed: 1,
              held: 1,
              heldTimedOut: 2,
              dropped: 3,
              lastError: 'dev server refused 127.0.0.1:8080',
              lastErrorAt: '2026-01-01T10:00:02.000Z',
              lastActivityAt: '2026-01-01T10:00:03.000Z',
            },
          ),
        ],
        skipped: [{ cluster: 'other', reason: 'not selected' }],
      }),
    );
    expect(status).toMatchObject({
      host: 'devserver',
      hostName: 'dev.example.com',
      state: 'forwarding',
      since: '2026-01-01T10:00:00.000Z',
      attempt: null,
      nextAttemptAt: null,
      connectedAt: '2026-01-01T10:00:00.000Z',
      reconnectCount: 0,
      lastError: null,
      k3dVersion: 'v5.9.0',
      discoveredAt: '2026-01-01T09:59:59.000Z',
      kubeconfig: { mode: 'merge', file: '/home/me/.kube/config' },
      skipped: [{ cluster: 'other', reason: 'not selected' }],
      settings: {
        clusters: ['my-app'],
        bindAddress: '127.0.0.1',
        holdTimeoutMs: 30_000,
        rediscoverIntervalMs: 30_000,
        services: { mode: 'nodeport', namespaces: [], excludeNamespaces: ['kube-system'], selector: null },
      },
    });
    expect(only(status)).toEqual({
      id: 'my-app/service/127.0.0.1:8080',
      kind: 'service',
      state: 'ok',
      localAddress: '127.0.0.1',
      localPort: 18080,
      remoteHost: '127.0.0.1',
      remotePort: 8080,
      nodePort: 30080,
      remapped: { from: 8080, reason: 'pinned' },
      service: null,
      via: { kind: 'host-port' },
      remote: { answers: null, checkedAt: null, error: null },
      open: 1,
      total: 4,
      bytesIn: 1200,
      bytesOut: 300,
      failed: 1,
      held: 1,
      heldTimedOut: 2,
      dropped: 3,
      lastError: 'dev server refused 127.0.0.1:8080',
      lastErrorAt: '2026-01-01T10:00:02.000Z',
      lastActivityAt: '2026-01-01T10:00:03.000Z',
    });
  });

  it('says null, never leaves a field out, before the first connect and without kubeconfig', () => {
    const status = sessionStatus(
      input({
        state: { kind: 'connecting', attempt: 1 },
        forwards: [listening({ ...web, nodePort: 0 })],
        hostName: undefined,
        k3dVersion: undefined,
        discoveredAt: undefined,
        kubeconfig: {
          mode: 'none',
          file: undefined,
          contexts: [],
          errors: [],
          dropped: [],
          switchedTo: undefined,
        },
      }),
    );
    expect(status).toMatchObject({
      hostName: null,
      attempt: 1,
      nextAttemptAt: null,
      connectedAt: null,
      k3dVersion: null,
      discoveredAt: null,
      kubeconfig: { mode: 'none', file: null },
    });
    const forward = only(status);
    expect(forward.nodePort).toBeNull();
    expect(forward.remapped).toBeNull();
    expect(forward.lastError).toBeNull();
    expect(forward.lastActivityAt).toBeNull();
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  });

  it('carries when the link was lost (downSince) while down, null while forwarding', () => {
    const base = input({ state: { kind: 'connecting', attempt: 7 } });
    const down = sessionStatus({
      ...base,
      snapshot: { ...base.snapshot, downSince: '2026-01-01T09:58:25.000Z' },
    });
    expect(down).toMatchObject({ state: 'connecting', downSince: '2026-01-01T09:58:25.000Z' });
    const up = sessionStatus(input({ state: forwarding }));
    expect(up.downSince).toBeNull();
  });

  it('reports the attempt, next attempt and last error (hint and code null when unknown) while reconnecting', () => {
    const lastError = { message: 'connection lost: gone', hint: undefined, code: undefined, at: 'at' };
    const base = input({
      state: { kind: 'reconnecting', attempt: 3, nextAttemptAt: '2026-01-01T10:00:05.000Z', lastError },
    });
    const status = sessionStatus({ ...base, snapshot: { ...base.snapshot, reconnectCount: 2, lastError } });
    expect(status).toMatchObject({
      state: 'reconnecting',
      attempt: 3,
      nextAttemptAt: '2026-01-01T10:00:05.000Z',
      connectedAt: null,
      reconnectCount: 2,
      lastError: { message: 'connection lost: gone', hint: null, code: null, at: 'at' },
    });
    const coded = { message: 'permission denied', hint: 'Run: ssh-add', code: 'SSH_AUTH', at: 'at' };
    expect(sessionStatus({ ...base, snapshot: { ...base.snapshot, lastError: coded } }).lastError).toEqual({
      message: 'permission denied',
      hint: 'Run: ssh-add',
      code: 'SSH_AUTH',
      at: 'at',
    });
  });
});
