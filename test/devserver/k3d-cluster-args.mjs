// `k3d cluster create` flags read as k3d v5.9 reads them (cmd/cluster/clusterCreate.go applyCLIOverrides,
// cmd/util/ports.go ParsePortExposureSpec, cmd/util/filter.go SplitFiltersFromFlag, pkg/util/filter.go,
// pkg/client/ports.go TransformPorts) into a scenario cluster spec, or the error k3d would stop with.
// Returns { spec, infos } or { fatal }; `infos` are the INFO lines TransformPorts logs on the way.
import net from 'node:net';

const FILTER = /^(server|servers|agent|agents|loadbalancer|all)(:((\d+,?)+|\d*-\d*|\*))?(:([A-Za-z]+))?$/;
const DEFAULT_FILTERS = '[servers:*:proxy agents:*:proxy]';
// pkg/client/cluster.go HostnameRegexp (RFC 1123) and types.DefaultClusterNameMaxLength.
const HOSTNAME =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;

/** pflag's IntP: the error text cobra prints for a non-number. */
export function intFlag(flags, name, short, fallback) {
  const text = flags[name];
  if (text === undefined) return { value: fallback };
  if (!/^[+-]?\d+$/.test(text)) {
    return {
      error: `invalid argument "${text}" for "-${short}, --${name}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`,
    };
  }
  return { value: Number(text) };
}

/** cmd/util/ports.go ParsePortExposureSpec for `--api-port [HOST:]HOSTPORT` (IP hosts only here). */
function apiExposure(text) {
  if (text === undefined) return { hostIp: '0.0.0.0', host: '0.0.0.0', port: undefined };
  const parts = text.split(':');
  if (parts.length > 2) return { error: `Failed to parse API Port specification '${text}'` };
  const [host, portText] = parts.length === 2 ? parts : ['', parts[0]];
  if (host !== '' && !net.isIPv4(host))
    return { simulator: `host names in --api-port ('${host}') are not simulated` };
  if (portText === 'random') return { hostIp: host || '0.0.0.0', host: host || '0.0.0.0', port: undefined };
  const port = Number(portText);
  if (!/^\d+$/.test(portText ?? '') || port > 65535) {
    return { error: `Failed to parse API Port specification '${text}'` };
  }
  return { hostIp: host || '0.0.0.0', host: host || '0.0.0.0', port };
}

/** SplitFiltersFromFlag (without k3d's rarely used `\@` escape). */
function splitFilters(flag) {
  if (!flag.includes('@')) return { mapping: flag, filters: [] };
  const parts = flag.split('@');
  if (parts.length > 2) {
    return {
      error: `Invalid flag '${flag}': only one unescaped '@' allowed for node filter(s) (Escape literal '@' with '\\')`,
    };
  }
  if (parts[1] === '' || parts[0] === '') {
    return {
      error: `Invalid flag '${flag}' includes unescaped '@' but is missing a node filter (Escape literal '@' with '\\')`,
    };
  }
  return { mapping: parts[0], filters: parts[1].split(';') };
}

/** docker's nat.ParsePortSpec for `[ip:]hostPort:containerPort[/proto]` (no ranges in the simulator). */
function portMapping(mapping) {
  const [ports, protocol = 'tcp'] = mapping.split('/');
  let hostIp = '';
  let rest = ports;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(ports);
  if (bracket) [, hostIp, rest] = bracket;
  const parts = rest.split(':');
  if (!bracket && parts.length === 3) hostIp = parts.shift();
  if (parts.length !== 2) return { simulator: `port spec '${mapping}' without a host port is not simulated` };
  const [hostPort, containerPort] = parts.map(Number);
  if (
    !Number.isInteger(hostPort) ||
    !Number.isInteger(containerPort) ||
    hostPort > 65535 ||
    containerPort > 65535
  ) {
    return { error: `error parsing port spec '${mapping}': Invalid hostPort: ${parts[0]}` };
  }
  if (hostIp !== '' && !net.isIP(hostIp)) return { error: `Invalid ip address: ${hostIp}` };
  return { hostIp, hostPort, containerPort, protocol };
}

/** FilterNodes' checks for one filter: format, subset present (but for all/loadbalancer), indices exist. */
function filterError(filter, counts) {
  const match = FILTER.exec(filter);
  if (!match)
    return `Failed to parse node filters (with suffix): invalid format or empty subset in '${filter}'`;
  const [, group, , subset, , , suffix] = match;
  if (suffix && suffix !== 'proxy' && suffix !== 'direct') {
    return `error filtering nodes: unallowed suffix '${suffix}' in nodefilter '${filter}'`;
  }
  if (group === 'all' || group === 'loadbalancer') return undefined;
  const available = group.startsWith('server') ? counts.servers : counts.agents;
  const wrap = (message) => `failed to filter nodes by filter '${filter}': ${message}`;
  if (subset === undefined)
    return wrap(`Failed to parse node specifiers: unknown subset in '${filter.replace(/:[A-Za-z]+$/, '')}'`);
  if (subset === '*') return undefined;
  if (subset.includes('-')) {
    const [from, to] = subset.split('-');
    if (from !== '' && Number(from) >= available)
      return wrap(`Invalid subset range: start < 0 or > number of available nodes in '${filter}'`);
    if (to !== '' && (Number(to) >= available || Number(to) < Number(from || 0))) {
      return wrap(`Invalid subset range: end < start or > number of available nodes in '${filter}'`);
    }
    return undefined;
  }
  const bad = subset
    .split(',')
    .filter(Boolean)
    .map(Number)
    .find((index) => index >= available);
  if (bad !== undefined) {
    return wrap(
      `Index out of range: index '${bad}' < 0 or > number of available nodes in filter '${filter}'`,
    );
  }
  return undefined;
}

/** CheckName: an RFC 1123 host name, at most 32 characters. */
export function nameError(name) {
  if (!HOSTNAME.test(name))
    return `Invalid cluster name. name ${name} is not a valid hostname as per RFC 1123`;
  if (name.length > 32) return `Cluster name must be <= 32 characters, but has ${name.length}`;
  return undefined;
}

/** The flags of `k3d cluster create NAME` → { spec, infos } | { fatal } | { simulator } | { usage }. */
export function createSpec(name, flags) {
  const servers = intFlag(flags, 'servers', 's', 1);
  const agents = intFlag(flags, 'agents', 'a', 0);
  if (servers.error || agents.error) return { usage: servers.error ?? agents.error };
  const api = apiExposure(flags['api-port']);
  if (api.error)
    return { fatal: `Failed to apply CLI overrides: failed to parse API Port spec: ${api.error}` };
  if (api.simulator) return { simulator: api.simulator };
  const counts = { servers: servers.value, agents: agents.value };
  const infos = [];
  const ports = [];
  const seen = new Set();
  for (const flag of flags.port ?? []) {
    const split = splitFilters(flag);
    if (split.error) return { fatal: split.error };
    if (seen.has(split.mapping)) return { fatal: 'Same Portmapping can not be used for multiple nodes' };
    seen.add(split.mapping);
    let filters = split.filters;
    if (filters.length === 0) {
      infos.push(
        `portmapping '${split.mapping}' lacks a nodefilter, but there's more than one node: defaulting to ${DEFAULT_FILTERS}`,
      );
    } else if (filters.some((filter) => filter.startsWith('loadbalancer'))) {
      infos.push(`portmapping '${split.mapping}' targets the loadbalancer: defaulting to ${DEFAULT_FILTERS}`);
      filters = ['loadbalancer'];
    }
    const error = filters.map((filter) => filterError(filter, counts)).find(Boolean);
    if (error) return { fatal: `failed to transform ports: ${error}` };
    const mapping = portMapping(split.mapping);
    if (mapping.error) return { fatal: `failed to transform ports: ${mapping.error}` };
    if (mapping.simulator) return { simulator: mapping.simulator };
    ports.push({ ...mapping, nodeFilter: filters.length > 0 ? filters.join(';') : undefined });
  }
  const spec = {
    name,
    ...counts,
    apiPort: api.port,
    apiHostIp: api.hostIp,
    apiHost: api.host === '0.0.0.0' ? (dockerHostName() ?? api.host) : api.host,
    ports,
    running: true,
  };
  return { spec, infos };
}

export const CREATE_FLAGS = [
  {
    name: 'api-port',
    type: 'string',
    usage: 'Specify the Kubernetes API server port exposed on the LoadBalancer (Format: [HOST:]HOSTPORT)',
  },
  {
    name: 'port',
    short: 'p',
    type: 'stringArray',
    usage:
      'Map ports from the node containers (via the serverlb) to the host (Format: [HOST:][HOSTPORT:]CONTAINERPORT[/PROTOCOL][@NODEFILTER])',
  },
  { name: 'servers', short: 's', type: 'string', usage: 'Specify how many servers you want to create' },
  { name: 'agents', short: 'a', type: 'string', usage: 'Specify how many agents you want to create' },
  {
    name: 'kubeconfig-update-default',
    type: 'bool',
    usage: "Directly update the default kubeconfig with the new cluster's context",
    default: 'true',
  },
  {
    name: 'kubeconfig-switch-context',
    type: 'bool',
    usage:
      "Directly switch the default kubeconfig's current-context to the new cluster's context (requires --kubeconfig-update-default)",
    default: 'true',
  },
  {
    name: 'wait',
    type: 'bool',
    usage:
      "Wait for the server(s) to be ready before returning. Use '--timeout DURATION' to not wait forever.",
    default: 'true',
  },
];
export const DELETE_FLAGS = [
  { name: 'all', short: 'a', type: 'bool', usage: 'Delete all existing clusters' },
];

/**
 * k3d's "Docker Machine Special Configuration" (pkg/client/cluster.go): with the default API host, the host
 * part of DOCKER_HOST (runtimes/docker GetHost: url.Host, cut at ':') names the API in the kubeconfig and
 * becomes a --tls-san. Only DOCKER_HOST: a docker context is not read there.
 */
function dockerHostName(env = process.env) {
  if (!env.DOCKER_HOST) return undefined;
  try {
    return new URL(env.DOCKER_HOST).host.split(':')[0] || undefined;
  } catch {
    return undefined;
  }
}
