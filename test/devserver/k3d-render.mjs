// k3d's views of the docker state: the Node/Cluster JSON of `cluster list|get -o json` and `node list -o json`
// (pkg/types/types.go field order and omitempty rules, TranslateContainerDetailsToNode), the tables, and the
// kubeconfig of `kubeconfig get`. Pure functions of world.json records.
import { nodeRunning } from './cluster-build.mjs';
import { goJson, goMap, tabwrite, yamlScalar } from './go-format.mjs';

const ROLES = new Set(['server', 'agent', 'loadbalancer', 'registry']);
const nonEmpty = (list) => (list && list.length > 0 ? list : undefined);

/** Docker lists containers newest first; k3d keeps that order (creation order reversed). */
export function dockerOrder(nodes) {
  return [...nodes].reverse();
}

/** One k3d Node as TranslateContainerDetailsToNode builds it from `docker inspect`. */
export function k3dNode(node, { running }) {
  const labels = node.labels;
  const k3dLabels = Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith('k3d')));
  const ports = Object.keys(node.portBindings).length > 0 ? goMap(node.portBindings) : undefined;
  const isInit = labels['k3d.server.init'] === 'true' && (node.cmd ?? []).includes('--cluster-init');
  return {
    name: node.name,
    role: ROLES.has(labels['k3d.role']) ? labels['k3d.role'] : undefined,
    image: node.image,
    volumes: nonEmpty(node.binds),
    env: nonEmpty(node.env),
    Cmd: node.cmd,
    portMappings: ports,
    restart: node.restartPolicy === 'unless-stopped' || node.restartPolicy === 'always' ? true : undefined,
    created: node.created,
    runtimeLabels: goMap(k3dLabels),
    Networks: node.networks,
    ExtraHosts: null,
    serverOpts: {
      isInitializingServer: isInit ? true : undefined,
      kubeAPI: {
        Port: '',
        Binding: {
          HostIp: labels['k3d.server.api.hostIP'] ?? '',
          HostPort: labels['k3d.server.api.port'] ?? '',
        },
        host: labels['k3d.server.api.host'] || undefined,
      },
    },
    agentOpts: {},
    GPURequest: '',
    Memory: '',
    State: { Running: running, Status: running ? 'running' : 'exited', Started: '' },
    IP: { IP: running ? node.ip : '', Static: running && Boolean(node.staticIp) },
    K3dEntrypoint: false,
  };
}

/**
 * One entry of `k3d cluster list -o json`. `detailed` = the ClusterGet path (`cluster get NAME`, `list NAME`),
 * which also fills serverLoadBalancer (LB node flattened + its nginx config) and the cluster's volumes.
 */
export function k3dCluster(cluster, { detailed, token = false }) {
  const nodes = dockerOrder(cluster.nodes).map((node) =>
    k3dNode(node, { running: nodeRunning(cluster, node) }),
  );
  const lb = nodes.find((node) => node.role === 'loadbalancer');
  const count = (role) => nodes.filter((node) => node.role === role);
  const runningCount = (role) => count(role).filter((node) => node.State.Running).length;
  return {
    name: cluster.name,
    network: { name: cluster.network.name, id: '', ipam: { ipPrefix: '', Managed: false }, Members: null },
    clusterToken: token ? cluster.token : undefined,
    nodes,
    InitNode: null,
    serverLoadBalancer:
      detailed && lb
        ? { ...lb, config: { ports: goMap(cluster.lbConfig?.ports), settings: { workerConnections: 1024 } } }
        : undefined,
    imageVolume: `k3d-${cluster.name}-images`,
    volumes: detailed ? [`k3d-${cluster.name}-images`] : undefined,
    serversRunning: runningCount('server'),
    serversCount: count('server').length,
    agentsRunning: runningCount('agent'),
    agentsCount: count('agent').length,
    hasLoadbalancer: lb ? true : undefined,
  };
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** stdout of `k3d cluster list` in the given format (clusters are sorted by name, as SortClusters does). */
export function renderClusterList(
  clusters,
  { output = '', noHeaders = false, token = false, detailed = false },
) {
  const sorted = [...clusters].sort(byName);
  const format = output.toLowerCase();
  if (format === 'json')
    return `${goJson(sorted.map((cluster) => k3dCluster(cluster, { detailed, token })))}\n`;
  if (format === 'yaml') throw new Error('yaml output is not simulated');
  const rows = noHeaders ? [] : [['NAME', 'SERVERS', 'AGENTS', 'LOADBALANCER', ...(token ? ['TOKEN'] : [])]];
  for (const cluster of sorted) {
    const entry = k3dCluster(cluster, { detailed: false });
    rows.push([
      cluster.name,
      `${entry.serversRunning}/${entry.serversCount}`,
      `${entry.agentsRunning}/${entry.agentsCount}`,
      String(entry.hasLoadbalancer === true),
      ...(token ? [cluster.token] : []),
    ]);
  }
  return tabwrite(rows);
}

/** stdout of `k3d node list`: every k3d container of every cluster, sorted by name. */
export function renderNodeList(clusters, { output = '', noHeaders = false }) {
  const nodes = clusters
    .flatMap((cluster) => cluster.nodes.map((node) => ({ cluster, node })))
    .sort((a, b) => byName(a.node, b.node));
  if (output.toLowerCase() === 'json') {
    // A nil slice marshals as null: k3d prints `null` when there is no node at all.
    return `${goJson(nodes.length === 0 ? null : nodes.map(({ cluster, node }) => k3dNode(node, { running: nodeRunning(cluster, node) })))}\n`;
  }
  const rows = noHeaders ? [] : [['NAME', 'ROLE', 'CLUSTER', 'STATUS']];
  for (const { cluster, node } of nodes) {
    rows.push([
      node.name,
      node.labels['k3d.role'],
      cluster.name,
      nodeRunning(cluster, node) ? 'running' : 'exited',
    ]);
  }
  return tabwrite(rows);
}

const base64 = (text) => Buffer.from(text).toString('base64');

/**
 * `k3d kubeconfig get NAME` for one cluster: k3s's kubeconfig with default → k3d-NAME / admin@k3d-NAME and the
 * server taken from the server node's api labels, serialised like clientcmd.Write (keys sorted).
 */
export function renderKubeconfig(cluster) {
  const server = cluster.nodes.find(
    (node) => node.labels['k3d.role'] === 'server' && node.labels['k3d.server.api.port'],
  );
  const host = server?.labels['k3d.server.api.host'] ?? '0.0.0.0';
  const port = server?.labels['k3d.server.api.port'] ?? '6443';
  const name = `k3d-${cluster.name}`;
  const user = `admin@k3d-${cluster.name}`;
  const inject = cluster.spec?.kubeconfigInject ?? {};
  const section = (fields, extra = {}) => sortedFields({ ...fields, ...extra });
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    ...section(
      { 'certificate-authority-data': base64(cluster.certs.serverCa), server: `https://${host}:${port}` },
      inject.cluster,
    ),
    `  name: ${yamlScalar(name)}`,
    'contexts:',
    '- context:',
    ...section({ cluster: name, user }, inject.context),
    `  name: ${yamlScalar(name)}`,
    `current-context: ${yamlScalar(name)}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${yamlScalar(user)}`,
    '  user:',
    ...section(
      {
        'client-certificate-data': base64(cluster.certs.adminCert),
        'client-key-data': base64(cluster.certs.adminKey),
      },
      inject.user,
    ),
    '',
  ].join('\n');
}

// clientcmd.Write sorts keys; an injected object or list is written as JSON, which YAML reads the same.
function sortedFields(fields) {
  return Object.keys(fields)
    .sort()
    .filter((key) => fields[key] !== null && fields[key] !== undefined)
    .map((key) => {
      const value = fields[key];
      return `    ${key}: ${typeof value === 'string' ? yamlScalar(value) : JSON.stringify(value)}`;
    });
}
