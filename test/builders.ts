// Test data builders shared by the suites: a forward spec, a forward's status and a discovered cluster with plain defaults
// (one running server, a service on the dev server's loopback); each test overrides what it is about.

import { defaultServiceSelection, type SessionOptions } from '../src/config/resolve.js';
import type { ForwardStatus, SessionStatus } from '../src/control/status-document.js';
import type { ClusterServices, ForwardSpec, ServiceInfo } from '../src/plan/types.js';
import type { K3dCluster, PortMapping } from '../src/remote/types.js';
import type { SshTarget } from '../src/ssh/types.js';

/** A forward; the id follows the planner's `${cluster}/${kind}/${remoteHost}:${remotePort}`. */
export function forwardSpec(overrides: Partial<ForwardSpec> = {}): ForwardSpec {
  const cluster = overrides.cluster ?? 'my-app';
  const kind = overrides.kind ?? 'service';
  const remoteHost = overrides.remoteHost ?? '127.0.0.1';
  const remotePort = overrides.remotePort ?? 8080;
  return {
    id: `${cluster}/${kind}/${remoteHost}:${remotePort}`,
    cluster,
    kind,
    localAddress: '127.0.0.1',
    localPort: remotePort,
    remoteHost,
    remotePort,
    nodePort: 30080,
    remapped: undefined,
    ...overrides,
  };
}

/** A k3d cluster's API as `k3d cluster list -o json` maps it: 0.0.0.0:16443 on the load balancer to 6443. */
export function apiPort(overrides: Partial<PortMapping> = {}): PortMapping {
  return {
    containerPort: 6443,
    protocol: 'tcp',
    hostIp: '0.0.0.0',
    hostPort: 16443,
    nodeName: 'k3d-my-app-serverlb',
    nodeRole: 'loadbalancer',
    isApi: true,
    ...overrides,
  };
}

export function k3dCluster(name: string, overrides: Partial<K3dCluster> = {}): K3dCluster {
  return {
    name,
    running: true,
    serversRunning: 1,
    serversCount: 1,
    agentsRunning: 0,
    agentsCount: 0,
    hasLoadBalancer: true,
    api: undefined,
    ports: [],
    createdAt: '2026-01-01T10:00:05.1Z',
    warnings: [],
    ...overrides,
  };
}

/** A forward as `tunnel status` reports it: healthy, idle, its dev-server end answering. */
export function forwardStatus(overrides: Partial<ForwardStatus> = {}): ForwardStatus {
  const kind = overrides.kind ?? 'service';
  const remotePort = overrides.remotePort ?? 8080;
  return {
    id: `my-app/${kind}/127.0.0.1:${remotePort}`,
    kind,
    state: 'ok',
    localAddress: '127.0.0.1',
    localPort: remotePort,
    remoteHost: '127.0.0.1',
    remotePort,
    nodePort: 30080,
    remapped: null,
    remote: { answers: true, checkedAt: null, error: null },
    open: 0,
    total: 0,
    bytesIn: 0,
    bytesOut: 0,
    failed: 0,
    held: 0,
    heldTimedOut: 0,
    dropped: 0,
    lastError: null,
    lastErrorAt: null,
    lastActivityAt: null,
    ...overrides,
  };
}

/** A session entry of the status document: forwarding my-app's API and one service, merged into ~/.kube/config. */
export function sessionStatus(overrides: Partial<SessionStatus> = {}): SessionStatus {
  return {
    host: 'devserver',
    hostName: 'dev.example.com',
    state: 'forwarding',
    since: '2026-01-01T10:00:00.000Z',
    downSince: null,
    attempt: null,
    nextAttemptAt: null,
    connectedAt: '2026-01-01T10:00:00.000Z',
    reconnectCount: 0,
    lastError: null,
    k3dVersion: 'v5.9.0',
    discoveredAt: '2026-01-01T10:00:00.000Z',
    kubeconfig: {
      mode: 'merge',
      file: '/home/dev/.kube/config',
      switchedTo: null,
      errors: [],
      dropped: [],
      moreDropped: 0,
    },
    clusters: [
      {
        name: 'my-app',
        context: 'k3d-my-app@devserver',
        forwards: [
          forwardStatus({ kind: 'api', localPort: 16443, remotePort: 16443, nodePort: 6443 }),
          forwardStatus({ localPort: 18080, remapped: { from: 8080, reason: 'busy' } }),
        ],
      },
    ],
    skipped: [],
    unusedMaps: [],
    settings: { clusters: [], bindAddress: '127.0.0.1', holdTimeoutMs: 30_000, rediscoverIntervalMs: 60_000 },
    ...overrides,
  };
}

/** A connect's resolved options for "devserver": merge into /home/me/.kube/config, the default timings. */
export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    alias: 'devserver',
    sshConfigFile: undefined,
    clusters: [],
    maps: new Map(),
    bindAddress: '127.0.0.1',
    acceptNewHostKey: false,
    kubeconfig: { kind: 'merge', file: '/home/me/.kube/config', switchContext: false },
    contextTemplate: 'k3d-{cluster}@{host}',
    holdTimeoutMs: 30_000,
    rediscoverIntervalMs: 30_000,
    transport: 'auto',
    askpass: undefined,
    services: defaultServiceSelection(),
    ...overrides,
  };
}

/** What `ssh -G` resolves for a plain host: no known_hosts files, no proxy, strict checking; override the rest. */
export function sshTarget(overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    alias: 'dev',
    hostName: 'dev.example',
    user: 'me',
    port: 22,
    identityFiles: [],
    identitiesOnly: false,
    identityAgent: undefined,
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    strictHostKeyChecking: 'yes',
    hashKnownHosts: false,
    hostKeyAlias: undefined,
    connectTimeoutSeconds: undefined,
    serverAliveIntervalSeconds: 0,
    serverAliveCountMax: 3,
    proxyJump: undefined,
    proxyCommand: undefined,
    certificateFiles: [],
    proxyUseFdpass: false,
    gssapiAuthentication: false,
    preferredAuthentications: ['gssapi-with-mic', 'publickey', 'keyboard-interactive', 'password'],
    kbdInteractiveAuthentication: true,
    passwordAuthentication: true,
    numberOfPasswordPrompts: 3,
    batchMode: false,
    ...overrides,
  };
}

/** A Service as kube/ reports it to the planner: NodePort my-namespace/my-app-svc 8080 → nodePort 30080. */
export function serviceInfo(overrides: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    namespace: 'my-namespace',
    name: 'my-app-svc',
    type: 'NodePort',
    labels: {},
    hasSelector: true,
    ports: [{ protocol: 'TCP', port: 8080, nodePort: 30080 }],
    ...overrides,
  };
}

/** What a cluster's API said: these Services, both k3d nodes of k3dCluster(…, {nodes}) Ready and reachable. */
export function clusterServices(
  services: ServiceInfo[],
  overrides: Partial<ClusterServices> = {},
): ClusterServices {
  return {
    services,
    readyNodes: ['k3d-my-app-server-0', 'k3d-my-app-agent-0'],
    nodeReach: { reachable: true },
    ...overrides,
  };
}
