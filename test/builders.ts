// Test data builders shared by the suites: a forward spec, a forward's status and a discovered cluster with plain defaults
// (one running server, a service on the dev server's loopback); each test overrides what it is about.
import type { ForwardSpec } from '../src/plan/types.js';
import type { K3dCluster } from '../src/remote/types.js';
import type { ForwardStatus } from '../src/session/status-types.js';
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
    ...overrides,
  };
}
