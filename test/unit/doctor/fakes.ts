// Fake doctor ports: a healthy dev server by default (one running cluster, API 16443, app 8080→30080, every
// local port free, no agent); each test overrides the port it is about and reads what was asked.

import type { SessionStatus } from '../../../src/control/status-document.js';
import { type DevServer, devServerOver } from '../../../src/devserver/dev-server.js';
import type { DoctorPorts, OwnSession } from '../../../src/doctor/types.js';
import type { PortOwner } from '../../../src/local/port-owner.js';
import type { PortMapping } from '../../../src/remote/types.js';
import type { SshConnection, SshTarget } from '../../../src/ssh/types.js';
import { forwardStatus, k3dCluster, sshTarget } from '../../builders.js';

export function target(overrides: Partial<SshTarget> = {}): SshTarget {
  return sshTarget({
    alias: 'devserver',
    hostName: 'dev.example.com',
    user: 'dev',
    identityFiles: ['/home/me/.ssh/id_ed25519'],
    userKnownHostsFiles: ['/home/me/.ssh/known_hosts'],
    strictHostKeyChecking: 'ask',
    ...overrides,
  });
}

export interface FakeConnection extends SshConnection {
  closedCount: number;
}

export function fakeConnection(): FakeConnection {
  const connection = {
    target: target(),
    closedCount: 0,
    exec: async () => ({ stdout: '', stderr: '', code: 0, signal: undefined }),
    execShell: async () => ({ stdout: '', stderr: '', code: 0, signal: undefined }),
    forwardOut: async () => {
      throw new Error('no forwards in the fake');
    },
    closed: new Promise<never>(() => {}),
    close: () => {
      connection.closedCount++;
    },
  };
  return connection;
}

/** The dev-server handle over the fake connection; closing it closes the connection. */
export function fakeDevServer(connection = fakeConnection()): DevServer & { connection: FakeConnection } {
  return { ...devServerOver({ ...connection, ping: async () => true, bytesReceived: 0 }), connection };
}

export function mapping(overrides: Partial<PortMapping>): PortMapping {
  return {
    containerPort: 30080,
    protocol: 'tcp',
    hostIp: '',
    hostPort: 8080,
    nodeName: 'k3d-my-app-serverlb',
    nodeRole: 'loadbalancer',
    isApi: false,
    ...overrides,
  };
}

export const healthyCluster = () =>
  k3dCluster('my-app', {
    api: mapping({ containerPort: 6443, hostIp: '0.0.0.0', hostPort: 16443, isApi: true }),
    ports: [mapping({})],
  });

export function portOwner(overrides: Partial<PortOwner> = {}): PortOwner {
  return {
    port: 8080,
    address: '127.0.0.1',
    pid: 4242,
    name: 'kubectl',
    commandLine: 'kubectl port-forward svc/web 8080:80',
    kind: 'kubectl-port-forward',
    description: 'kubectl port-forward (pid 4242)',
    ...overrides,
  };
}

/** The agent's forwarding session for devserver: API on 16443, app on 8080, context written. */
export function ownSession(overrides: Partial<SessionStatus> = {}): OwnSession {
  const api = forwardStatus({
    id: 'my-app/api/127.0.0.1:16443',
    kind: 'api',
    localPort: 16443,
    remotePort: 16443,
  });
  const session: SessionStatus = {
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
    discoveredAt: null,
    kubeconfig: { mode: 'merge', file: '/home/me/.kube/config' },
    clusters: [{ name: 'my-app', context: 'k3d-my-app@devserver', forwards: [api, forwardStatus()] }],
    skipped: [],
    settings: { clusters: [], bindAddress: '127.0.0.1', holdTimeoutMs: 30_000, rediscoverIntervalMs: 30_000 },
    ...overrides,
  };
  return { agentPid: 777, session };
}

export interface FakePorts extends DoctorPorts {
  connection: FakeConnection;
  devServer: DevServer;
  calls: string[];
}

export function fakePorts(overrides: Partial<DoctorPorts> = {}): FakePorts {
  const connection = fakeConnection();
  const devServer = fakeDevServer(connection);
  const calls: string[] = [];
  const record =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A) => {
      calls.push(name);
      return fn(...args);
    };
  const ports: DoctorPorts = {
    resolveTarget: async (alias) => target({ alias }),
    transport: async () => ({ kind: 'ssh2', reason: undefined, limits: [] }),
    reach: async () => ({ via: 'dev.example.com:22', banner: 'SSH-2.0-OpenSSH_9.6' }),
    login: async () => ({
      hostKey: { kind: 'match', keyType: 'ED25519', fingerprint: 'SHA256:host' },
      devServer,
      method: 'publickey ED25519 SHA256:me',
      error: undefined,
    }),
    dockerEngine: async () => ({ kind: 'up', version: '28.5.1' }),
    findK3d: async () => ({
      command: ['k3d'],
      path: 'k3d',
      foundVia: 'PATH',
      k3dVersion: 'v5.9.0',
      k3sVersion: 'v1.31.5-k3s1',
    }),
    listClusters: async () => [healthyCluster()],
    isPortFree: async () => true,
    portOwner: async () => undefined,
    ownSession: async () => undefined,
    kubeVersionViaContext: async () => 'v1.31.5+k3s1',
    kubeVersionViaSsh: async () => 'v1.31.5+k3s1',
    nodePorts: async (_connection, _k3d, cluster) => ({ cluster: cluster.name, problems: [], checked: 1 }),
    unsafeContexts: async () => [],
    loginItem: async () => ({
      installed: false,
      file: '/Users/me/Library/LaunchAgents/dev.tunnel.agent.plist',
    }),
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(ports).map(([name, fn]) => [
      name,
      record(name, fn as (...args: unknown[]) => Promise<unknown>),
    ]),
  ) as unknown as DoctorPorts;
  return { ...recorded, connection, devServer, calls };
}
