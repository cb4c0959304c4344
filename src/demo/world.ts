// src/demo/: `tunnel demo`, a dev server in this process (ssh2 Server, an in-memory k3d, an HTTP service and a
// small Kubernetes API) that the real CLI connects to, so a newcomer sees tunnel work without a server,
// root, sshd or Docker. Nothing here is used by the rest of tunnel, and nothing here knows about tests.
// This file: the demo's one k3d cluster, as `k3d cluster list -o json` and `k3d kubeconfig get` print it.
import type { DemoCertificates } from './certs.js';

export const DEMO_K3D_VERSION = 'v5.9.0';
export const DEMO_K3S_VERSION = 'v1.31.5-k3s1';

export interface DemoCluster {
  name: string;
  /** The k3d API port on the (pretend) dev server's loopback; absent when openssl could not make certificates. */
  apiPort: number | undefined;
  servicePort: number;
  nodePort: number;
  createdAt: string;
  certs: DemoCertificates | undefined;
}

export function demoCluster(certs: DemoCertificates | undefined, now = new Date()): DemoCluster {
  return {
    name: 'demo',
    apiPort: certs ? 6550 : undefined,
    servicePort: 8080,
    nodePort: 30080,
    createdAt: new Date(now.getTime() - 5 * 60_000).toISOString(),
    certs,
  };
}

function node(cluster: DemoCluster, role: 'server' | 'loadbalancer', extra: Record<string, unknown>) {
  const name = role === 'server' ? `k3d-${cluster.name}-server-0` : `k3d-${cluster.name}-serverlb`;
  return {
    name,
    role,
    image: `sha256:${role === 'server' ? '7e6a3bbc' : '5b9d3f2a'}${'0'.repeat(56)}`,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: role === 'server' ? ['server', '--tls-san', '127.0.0.1'] : [],
    ...extra,
    restart: true,
    created: cluster.createdAt,
    runtimeLabels: { 'k3d.cluster': cluster.name, 'k3d.role': role, 'k3d.version': DEMO_K3D_VERSION },
    Networks: [`k3d-${cluster.name}`],
    ExtraHosts: null,
    agentOpts: {},
    GPURequest: '',
    Memory: '',
    State: { Running: true, Status: 'running', Started: '' },
    IP: { IP: role === 'server' ? '172.28.0.2' : '172.28.0.3', Static: false },
    K3dEntrypoint: false,
  };
}

/** `k3d cluster list -o json`, the v5.9 shape: the API key "6443" has no protocol, --port keys do. */
export function clusterListJson(cluster: DemoCluster): string {
  const binding = (port: number) => [{ HostIp: '127.0.0.1', HostPort: String(port) }];
  const portMappings: Record<string, unknown> = {};
  if (cluster.apiPort) portMappings['6443'] = binding(cluster.apiPort);
  portMappings[`${cluster.nodePort}/tcp`] = binding(cluster.servicePort);
  const apiBinding = cluster.apiPort
    ? { HostIp: '127.0.0.1', HostPort: String(cluster.apiPort) }
    : { HostIp: '', HostPort: '' };
  const nodes = [
    node(cluster, 'loadbalancer', {
      portMappings,
      serverOpts: { kubeAPI: { Port: '', Binding: { HostIp: '', HostPort: '' } } },
    }),
    node(cluster, 'server', {
      volumes: [`k3d-${cluster.name}-images:/k3d/images`],
      serverOpts: { kubeAPI: { Port: '', Binding: apiBinding, host: '127.0.0.1' } },
    }),
  ];
  const entry = {
    name: cluster.name,
    network: { name: `k3d-${cluster.name}`, id: '', ipam: { ipPrefix: '', Managed: false }, Members: null },
    nodes,
    InitNode: null,
    imageVolume: `k3d-${cluster.name}-images`,
    serversRunning: 1,
    serversCount: 1,
    agentsRunning: 0,
    agentsCount: 0,
    hasLoadbalancer: true,
  };
  return `${JSON.stringify([entry])}\n`;
}

export function versionText(): string {
  return `k3d version ${DEMO_K3D_VERSION}\nk3s version ${DEMO_K3S_VERSION} (default)\n`;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

/** `k3d kubeconfig get demo`: `---`, then k3s's kubeconfig renamed by k3d (keys sorted, like client-go). */
export function kubeconfigText(cluster: DemoCluster): string | undefined {
  if (!cluster.certs || !cluster.apiPort) return undefined;
  const name = `k3d-${cluster.name}`;
  return [
    '---',
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${base64(cluster.certs.serverCa)}`,
    `    server: https://127.0.0.1:${cluster.apiPort}`,
    `  name: ${name}`,
    'contexts:',
    '- context:',
    `    cluster: ${name}`,
    `    user: admin@${name}`,
    `  name: ${name}`,
    `current-context: ${name}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: admin@${name}`,
    '  user:',
    `    client-certificate-data: ${base64(cluster.certs.adminCert)}`,
    `    client-key-data: ${base64(cluster.certs.adminKey)}`,
    '',
  ].join('\n');
}
