// docs/status.schema.json against the documents the code really builds: sessionStatus() in every state
// (the entry `status` lists and `connect` answers with), inside a whole status document. The schema
// forbids undocumented fields, so a field added to the code without the schema (or the docs) fails here.
import { describe, expect, it } from 'vitest';
import {
  noAgentDocument,
  STATUS_SCHEMA_VERSION,
  type StatusDocument,
} from '../../../src/control/status-document.js';
import { emptyStats } from '../../../src/forward/listener.js';
import type { KubeconfigReport } from '../../../src/session/kubeconfig-step.js';
import { type StatusInput, sessionStatus } from '../../../src/session/status.js';
import type { SessionState } from '../../../src/supervisor/state.js';
import { sessionStatus as builtSession, forwardSpec, sessionOptions } from '../../builders.js';
import { schemaErrors, statusSchema } from '../../schema.js';

const AT = '2026-01-01T10:00:00.000Z';
const options = sessionOptions({
  maps: new Map([[9999, 19999]]),
  kubeconfig: { kind: 'merge', file: '/home/me/.kube/config', switchContext: true },
});
const kubeconfig: KubeconfigReport = {
  mode: 'merge',
  file: '/home/me/.kube/config',
  contexts: [{ cluster: 'my-app', context: 'k3d-my-app@devserver' }],
  errors: [{ cluster: 'shop', error: 'no API port' }],
  dropped: [{ cluster: 'my-app', context: 'k3d-my-app@devserver', path: 'users[].user.exec', reason: 'r' }],
  moreDropped: 2,
  switchedTo: 'k3d-my-app@devserver',
};

const api = forwardSpec({ kind: 'api', remotePort: 16443, nodePort: 6443 });
// heldBy: who holds the busy port (macOS: Docker Desktop on *:8080), carried into the document.
const web = forwardSpec({
  localPort: 18080,
  remapped: { from: 8080, reason: 'busy', heldBy: 'com.docker.backend (pid 901) on *:8080' },
});

// Issue 14: a mapping a Service uses, a NodePort Service through a node's address, a ClusterIP one
// through a pod port-forward, one whose privileged port could not be bound here.
const mappedService = { namespace: 'my-namespace', name: 'my-app-svc', port: 8080 };
const grafana = forwardSpec({
  id: 'my-app/service/monitoring/grafana:3000',
  remoteHost: '172.18.0.3',
  remotePort: 31742,
  localPort: 3000,
  nodePort: 31742,
  service: { namespace: 'monitoring', name: 'grafana', port: 3000, portName: 'http' },
  via: { kind: 'node', node: 'k3d-my-app-agent-0' },
});
const backend = forwardSpec({
  id: 'my-app/service/default/backend:9000',
  remoteHost: '',
  remotePort: 9000,
  localPort: 9000,
  nodePort: 0,
  service: { namespace: 'default', name: 'backend', port: 9000 },
  via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
});
const webRoot = forwardSpec({
  id: 'my-app/service/monitoring/web:80',
  remoteHost: '172.18.0.3',
  remotePort: 30081,
  localPort: 24180,
  nodePort: 30081,
  service: { namespace: 'monitoring', name: 'web', port: 80 },
  via: { kind: 'node', node: 'k3d-my-app-agent-0' },
  remapped: { from: 80, reason: 'privileged' as never },
});

function input(state: SessionState): StatusInput {
  const stats = { ...emptyStats(), open: 1, total: 3, bytesIn: 10, lastActivityAt: AT, remoteAnswers: true };
  return {
    options,
    snapshot: {
      state,
      since: AT,
      downSince: state.kind === 'forwarding' ? undefined : AT,
      reconnectCount: 2,
      lastError: { message: 'connection lost', hint: 'check the VPN', code: 'SSH_CONNECT', at: AT },
      forwards: [
        { spec: api, state: 'listening', stats },
        { spec: { ...web, service: mappedService }, state: 'listening', stats: emptyStats() },
        { spec: grafana, state: 'listening', stats: emptyStats() },
        { spec: backend, state: 'listening', stats: emptyStats() },
        { spec: webRoot, state: 'listening', stats: emptyStats() },
      ],
    },
    hostName: 'dev.example.com',
    k3dVersion: 'v5.9.0',
    discoveredAt: AT,
    kubeconfig,
    skipped: [{ cluster: 'old', reason: 'stopped' }],
    unusedMaps: [9999],
    failed: [{ spec: forwardSpec({ remotePort: 3000 }), error: 'EADDRINUSE' }],
  };
}

const states: SessionState[] = [
  { kind: 'connecting', attempt: 1 },
  { kind: 'forwarding', connectedAt: AT },
  { kind: 'reconnecting', attempt: 3, nextAttemptAt: AT, lastError: { message: 'x', at: AT } },
  { kind: 'stopped' },
] as SessionState[];

function documentOf(sessions: StatusDocument['sessions']): StatusDocument {
  const agent = { pid: 4242, version: '0.1.0', startedAt: AT, socketPath: '/run/s', logFile: '/l/agent.log' };
  return { schemaVersion: STATUS_SCHEMA_VERSION, agent, sessions };
}

describe('docs/status.schema.json', () => {
  it.each(states.map((state) => [state.kind, state] as const))(
    'describes a %s session as sessionStatus() builds it, inside a whole status document',
    (_kind, state) => {
      const session = sessionStatus(input(state));
      expect(schemaErrors(statusSchema, documentOf([session]))).toEqual([]);
      // connect's answer is the same entry: it fits the schema's session on its own.
      expect(schemaErrors(statusSchema, session, '#/$defs/session')).toEqual([]);
    },
  );

  it('names each Service and how it is reached, and the selection in the settings', () => {
    const session = sessionStatus(input(states[1]!));
    const rows = session.clusters[0]!.forwards.map((row) => [row.id, row.service, row.via]);
    expect(rows).toEqual([
      ['my-app/api/127.0.0.1:16443', null, { kind: 'host-port' }],
      // The unbound forward of the last apply, a mapping no Service uses.
      ['my-app/service/127.0.0.1:3000', null, { kind: 'host-port' }],
      [
        'my-app/service/127.0.0.1:8080',
        { namespace: 'my-namespace', name: 'my-app-svc', port: 8080, portName: null },
        { kind: 'host-port' },
      ],
      ['my-app/service/default/backend:9000', expect.objectContaining({ name: 'backend' }), { kind: 'pod' }],
      [
        'my-app/service/monitoring/grafana:3000',
        { namespace: 'monitoring', name: 'grafana', port: 3000, portName: 'http' },
        { kind: 'node', node: 'k3d-my-app-agent-0', address: '172.18.0.3' },
      ],
      ['my-app/service/monitoring/web:80', expect.objectContaining({ port: 80 }), expect.anything()],
    ]);
    expect(session.clusters[0]!.forwards[5]!.remapped).toEqual({ from: 80, reason: 'privileged' });
    expect(session.settings.services).toEqual({
      mode: 'nodeport',
      namespaces: [],
      excludeNamespaces: ['kube-system'],
      selector: null,
    });
  });

  it('describes a session an older agent reported, without the fields added since', () => {
    const { unusedMaps: _maps, downSince: _down, ...older } = builtSession();
    const kubeconfigOnly = { ...older, kubeconfig: { mode: 'merge', file: null } };
    expect(schemaErrors(statusSchema, documentOf([kubeconfigOnly as never]))).toEqual([]);
    expect(schemaErrors(statusSchema, documentOf([]))).toEqual([]);
    // Before issue 14: no service, via or settings.services.
    const session = sessionStatus(input(states[1]!));
    const beforeServices = {
      ...session,
      settings: { ...session.settings, services: undefined },
      clusters: session.clusters.map((cluster) => ({
        ...cluster,
        forwards: cluster.forwards.map(({ service: _s, via: _v, ...row }) => row),
      })),
    };
    expect(schemaErrors(statusSchema, JSON.parse(JSON.stringify(beforeServices)), '#/$defs/session')).toEqual(
      [],
    );
  });

  it('describes what `status --json` prints when no agent runs', () => {
    expect(schemaErrors(statusSchema, noAgentDocument())).toEqual([]);
  });

  it('rejects a document that lacks a field, has a wrong type or value, or an undocumented field', () => {
    const session = sessionStatus(input(states[1]!));
    const { reconnectCount: _gone, ...missing } = session;
    expect(schemaErrors(statusSchema, missing, '#/$defs/session')).toEqual([
      '$: lacks required field reconnectCount',
    ]);
    expect(schemaErrors(statusSchema, { ...session, state: 'up' }, '#/$defs/session')).toEqual([
      '$.state: "up" is not one of ["connecting","forwarding","reconnecting","needs-answer","stopped"]',
    ]);
    const badPort = {
      ...session.clusters[0]!,
      forwards: [{ ...session.clusters[0]!.forwards[0]!, localPort: 70000 }],
    };
    expect(schemaErrors(statusSchema, { ...session, clusters: [badPort] }, '#/$defs/session')).toEqual([
      '$.clusters[0].forwards[0].localPort: 70000 is above 65535',
    ]);
    expect(schemaErrors(statusSchema, { ...session, extra: 1 }, '#/$defs/session')).toEqual([
      '$: has undocumented field extra',
    ]);
    const badVia = {
      ...session.clusters[0]!,
      forwards: [{ ...session.clusters[0]!.forwards[0]!, via: { kind: 'node', node: 'n' } }],
    };
    expect(schemaErrors(statusSchema, { ...session, clusters: [badVia] }, '#/$defs/session')).not.toEqual([]);
    expect(schemaErrors(statusSchema, { ...documentOf([]), schemaVersion: 2 })).toEqual([
      '$.schemaVersion: must be 1',
    ]);
  });
});
