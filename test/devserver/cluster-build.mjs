// The docker-level state `k3d cluster create` leaves behind for one scenario cluster: containers with the ids,
// labels, env, commands, port bindings and IPs that `docker inspect` would show (pkg/client/cluster.go,
// node.go, loadbalancer.go). k3d-render.mjs derives k3d's JSON from this the way k3d derives it from docker.
import crypto from 'node:crypto';

const K3S_IMAGE_ENV = [
  'PATH=/var/lib/rancher/k3s/data/cni:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/bin/aux',
  'CRI_CONFIG_FILE=/var/lib/rancher/k3s/agent/etc/crictl.yaml',
];
// The k3d-proxy image is nginx on Alpine; its exact ENV list is a guess (docker appends image ENV after k3d's).
const PROXY_IMAGE_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'NGINX_VERSION=1.27.4',
  'PKG_RELEASE=1',
  'DYNPKG_RELEASE=1',
  'NJS_VERSION=0.8.9',
  'NJS_RELEASE=1',
];
const KUBECONFIG_OUTPUT_ENV = 'K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml';

export const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');
/** Docker image ids are content hashes: the same image name always has the same id. */
export const imageId = (image) => `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`;

/** k3d's GenerateRandomString: letters only. */
function clusterToken() {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(crypto.randomBytes(20), (byte) => letters[byte % letters.length]).join('');
}

/** Docker's RFC3339Nano `Created`: nanosecond precision, trailing zeros trimmed. */
export function rfc3339Nano(date) {
  const nanos = `${String(date.getUTCMilliseconds()).padStart(3, '0')}${String(crypto.randomInt(1, 999999)).padStart(6, '0')}`;
  return date.toISOString().replace(/\.\d{3}Z$/, `.${nanos.replace(/0+$/, '')}Z`);
}

/** Node filter `group[:subset][:suffix]` (pkg/util/filter.go) → matched node names and proxy/direct. */
export function parseNodeFilter(filter, { servers, agents, prefix }) {
  // Several filters (`server:0;agent:*`) target the union of their nodes.
  if (filter.includes(';')) {
    const parts = filter.split(';').map((part) => parseNodeFilter(part, { servers, agents, prefix }));
    return {
      nodes: [...new Set(parts.flatMap((part) => part.nodes))],
      direct: parts.every((part) => part.direct),
    };
  }
  const [group = '', second, third] = filter.split(':');
  const suffixes = ['proxy', 'direct'];
  const subset = suffixes.includes(second ?? '') ? '*' : (second ?? '*');
  const suffix = suffixes.includes(second ?? '') ? second : (third ?? 'proxy');
  const pick = (count, role) => {
    const all = Array.from({ length: count }, (_, index) => index);
    const wanted =
      subset === '*'
        ? all
        : subset.split(',').flatMap((part) => {
            const [from, to] = part.split('-').map(Number);
            return all.filter((index) => index >= from && index <= (to ?? from));
          });
    return wanted.map((index) => `${prefix}-${role}-${index}`);
  };
  const groups = {
    server: () => pick(servers, 'server'),
    servers: () => pick(servers, 'server'),
    agent: () => pick(agents, 'agent'),
    agents: () => pick(agents, 'agent'),
    all: () => [...pick(servers, 'server'), ...pick(agents, 'agent')],
    // k3d rewrites `@loadbalancer` to servers:*:proxy,agents:*:proxy.
    loadbalancer: () => [...pick(servers, 'server'), ...pick(agents, 'agent')],
  };
  const resolve = groups[group];
  if (!resolve) throw new Error(`invalid node filter '${filter}'`);
  return { nodes: resolve(), direct: suffix === 'direct' };
}

function addBinding(ports, key, binding) {
  ports[key] = [...(ports[key] ?? []), binding];
}

/** Port bindings per container name, and the serverlb's nginx upstream config. */
function portLayout(spec, names) {
  const bindings = Object.fromEntries(names.all.map((name) => [name, {}]));
  const apiBinding = { HostIp: spec.apiHostIp ?? '0.0.0.0', HostPort: String(spec.apiPort) };
  const apiNode = spec.noLb ? names.servers[0] : names.lb;
  addBinding(bindings[apiNode], '6443', apiBinding);
  const lbPorts = spec.noLb ? null : { '6443.tcp': [...names.servers] };
  for (const port of spec.ports ?? []) {
    const protocol = port.protocol ?? 'tcp';
    const filter = port.nodeFilter ?? (names.all.length > 1 ? 'all' : 'server:0:direct');
    const target = parseNodeFilter(filter, {
      servers: names.servers.length,
      agents: names.agents.length,
      prefix: names.prefix,
    });
    const binding = { HostIp: port.hostIp ?? '', HostPort: String(port.hostPort) };
    if (target.direct || spec.noLb) {
      if (!target.direct) {
        throw new Error(
          `cluster ${spec.name}: port-mapping of type 'proxy' specified, but loadbalancer is disabled`,
        );
      }
      for (const node of target.nodes)
        addBinding(bindings[node], `${port.containerPort}/${protocol}`, binding);
      continue;
    }
    addBinding(bindings[names.lb], `${port.containerPort}/${protocol}`, binding);
    const key = `${port.containerPort}.${protocol}`;
    lbPorts[key] = [...new Set([...(lbPorts[key] ?? []), ...target.nodes])];
  }
  return { bindings, lbConfig: lbPorts && { ports: lbPorts, settings: { workerConnections: 1024 } } };
}

/**
 * Docker containers of a freshly created cluster, in creation order (servers, agents, serverlb).
 * `network` = { name, id, subnet, gateway, prefix: 'a.b.c' }.
 */
export function buildNodes(spec, { network, token, versions, created, running }) {
  const prefix = `k3d-${spec.name}`;
  const servers = Array.from({ length: spec.servers ?? 1 }, (_, index) => `${prefix}-server-${index}`);
  const agents = Array.from({ length: spec.agents ?? 0 }, (_, index) => `${prefix}-agent-${index}`);
  const lb = spec.noLb ? undefined : `${prefix}-serverlb`;
  const names = { prefix, servers, agents, lb, all: [...servers, ...agents, ...(lb ? [lb] : [])] };
  const { bindings, lbConfig } = portLayout(spec, names);
  const apiHostIp = spec.apiHostIp ?? '0.0.0.0';
  const apiHost = spec.apiHost ?? apiHostIp;
  const clusterUrl = `https://${servers[0]}:6443`;
  const global = {
    'k3d.cluster': spec.name,
    'k3d.cluster.imageVolume': `${prefix}-images`,
    'k3d.cluster.network': network.name,
    'k3d.cluster.network.external': 'false',
    'k3d.cluster.network.id': network.id,
    'k3d.cluster.network.iprange': network.subnet,
    'k3d.cluster.token': token,
    'k3d.cluster.url': clusterUrl,
    'k3d.server.loadbalancer': lb ?? '',
  };
  const k3sImage = `docker.io/rancher/k3s:${versions.k3s}`;
  const proxyImage = `ghcr.io/k3d-io/k3d-proxy:${versions.k3d.replace(/^v/, '')}`;
  const ha = servers.length > 1;
  // IP .2 goes to the transient k3d-tools node; servers get static IPs from k3d's IPAM, the rest follow.
  let nextIp = 3;
  const node = (name, role, extra) => {
    const ip = `${network.prefix}.${nextIp++}`;
    return {
      id: hex(32),
      name,
      role,
      imageName: role === 'loadbalancer' ? proxyImage : k3sImage,
      image: imageId(role === 'loadbalancer' ? proxyImage : k3sImage),
      created: rfc3339Nano(new Date(created.getTime() + (nextIp - 3) * 1500)),
      binds: role === 'loadbalancer' ? [] : [`${prefix}-images:/k3d/images`],
      portBindings: bindings[name],
      networks: [network.name],
      ip,
      restartPolicy: 'unless-stopped',
      state: running ? 'running' : 'exited',
      ...extra,
      labels: { app: 'k3d', ...global, 'k3d.role': role, 'k3d.version': versions.k3d, ...extra.labels },
    };
  };
  const serverNodes = servers.map((name, index) => {
    const init = ha && index === 0;
    const joinsInit = ha && index > 0;
    const sans = ['--tls-san', apiHost, ...(lb ? ['--tls-san', lb] : [])];
    return node(name, 'server', {
      staticIp: true,
      env: [
        `K3S_TOKEN=${token}`,
        ...(joinsInit ? [`K3S_URL=${clusterUrl}`] : []),
        KUBECONFIG_OUTPUT_ENV,
        ...K3S_IMAGE_ENV,
      ],
      cmd: ['server', ...(init ? ['--cluster-init'] : []), ...sans],
      labels: {
        'k3d.node.staticIP': `${network.prefix}.${nextIp}`,
        'k3d.server.api.host': apiHost,
        'k3d.server.api.hostIP': apiHostIp,
        'k3d.server.api.port': String(spec.apiPort),
        ...(ha ? { 'k3d.server.init': String(init) } : {}),
      },
    });
  });
  const agentNodes = agents.map((name) =>
    node(name, 'agent', {
      staticIp: false,
      env: [`K3S_TOKEN=${token}`, `K3S_URL=${clusterUrl}`, KUBECONFIG_OUTPUT_ENV, ...K3S_IMAGE_ENV],
      cmd: ['agent'],
      labels: {},
    }),
  );
  // The proxy image sets an ENTRYPOINT, which resets the CMD inherited from nginx: docker reports Cmd null.
  const lbNodes = lb
    ? [
        node(lb, 'loadbalancer', {
          staticIp: false,
          env: [KUBECONFIG_OUTPUT_ENV, ...PROXY_IMAGE_ENV],
          cmd: null,
          labels: {},
        }),
      ]
    : [];
  return { nodes: [...serverNodes, ...agentNodes, ...lbNodes], lbConfig, apiHost, apiHostIp };
}

export function newToken() {
  return clusterToken();
}

/**
 * Whether one node container runs: its cluster runs and the scenario did not stop it (`stoppedNodes`, like
 * `docker stop k3d-<cluster>-server-1`). k3d's serverlb keeps proxying the API to the servers still up.
 */
export function nodeRunning(cluster, node) {
  if (!cluster.running) return false;
  return !(cluster.spec?.stoppedNodes ?? []).some((suffix) => node.name.endsWith(suffix));
}

/**
 * Whether k3s's datastore can serve: one server uses sqlite; several (k3d starts server-0 with --cluster-init)
 * run embedded etcd, which needs a majority of them up (floor(n/2)+1) to elect a leader.
 */
export function etcdQuorum(cluster) {
  const servers = cluster.nodes.filter((node) => node.role === 'server');
  if (servers.length <= 1) return true;
  return servers.filter((node) => nodeRunning(cluster, node)).length * 2 > servers.length;
}
