// Docker's views of the simulated containers: `docker inspect` (ContainerJSON subset), `docker ps` rows and
// `--format` Go templates. Only what a preflight or a port cross-check reads is modelled.
import { nodeRunning } from './cluster-build.mjs';
import { goJson, goMap } from './go-format.mjs';

/** Effective bindings (NetworkSettings.Ports): keys always "<port>/tcp"; "" HostIp = 0.0.0.0 plus "::". */
export function effectivePorts(node, running) {
  if (!running) return new Map();
  const ports = new Map();
  if (node.role === 'loadbalancer') ports.set('80/tcp', null); // EXPOSE 80 of the nginx base image
  for (const [key, bindings] of Object.entries(node.portBindings)) {
    const normalised = key.includes('/') ? key : `${key}/tcp`;
    const expanded = bindings.flatMap((binding) =>
      binding.HostIp === ''
        ? [
            { HostIp: '0.0.0.0', HostPort: binding.HostPort },
            { HostIp: '::', HostPort: binding.HostPort },
          ]
        : [binding],
    );
    ports.set(normalised, [...(ports.get(normalised) ?? []), ...expanded]);
  }
  return ports;
}

function since(iso) {
  const seconds = Math.max(1, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'About a minute' : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? 'About an hour' : `${hours} hours`;
}

/** `docker inspect NAME` for one container (a subset of ContainerJSON, field names as docker's). */
export function inspectContainer(cluster, node) {
  const running = nodeRunning(cluster, node);
  const k3s = node.role !== 'loadbalancer';
  return {
    Id: node.id,
    Created: node.created,
    Path: k3s ? '/bin/k3d-entrypoint.sh' : '/bin/sh',
    Args: node.cmd ?? [],
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? 4000 + cluster.nodes.indexOf(node) : 0,
      ExitCode: 0,
      Error: '',
      StartedAt: cluster.createdAt,
      FinishedAt: running ? '0001-01-01T00:00:00Z' : cluster.createdAt,
    },
    Image: node.image,
    Name: `/${node.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    HostConfig: {
      Binds: node.binds.length > 0 ? node.binds : null,
      NetworkMode: node.networks[0],
      PortBindings: goMap(node.portBindings),
      RestartPolicy: { Name: node.restartPolicy, MaximumRetryCount: 0 },
      Privileged: true,
      Init: true,
      Tmpfs: goMap({ '/run': '', '/var/run': '' }),
    },
    Config: {
      Hostname: node.name,
      ExposedPorts: goMap(Object.fromEntries(Object.keys(node.portBindings).map((key) => [key, {}]))),
      Env: node.env,
      Cmd: node.cmd,
      Image: node.imageName,
      Entrypoint: k3s ? ['/bin/k3d-entrypoint.sh'] : ['/bin/sh', '-c', '/entrypoint.sh'],
      Labels: goMap(node.labels),
    },
    NetworkSettings: {
      Ports: effectivePorts(node, running),
      Networks: new Map([
        [
          cluster.network.name,
          {
            Aliases: [node.name],
            NetworkID: cluster.network.id,
            Gateway: running ? cluster.network.gateway : '',
            IPAddress: running ? node.ip : '',
            IPPrefixLen: running ? 16 : 0,
          },
        ],
      ]),
    },
  };
}

function portsColumn(node, running) {
  const items = [];
  for (const [key, bindings] of effectivePorts(node, running)) {
    if (!bindings) items.push(key);
    else
      for (const binding of bindings)
        items.push(`${binding.HostIp === '::' ? '[::]' : binding.HostIp}:${binding.HostPort}->${key}`);
  }
  return items.join(', ');
}

/** The fields `docker ps --format` can reference, for one container. */
export function psRow(cluster, node) {
  const running = nodeRunning(cluster, node);
  const command = (
    node.role === 'loadbalancer'
      ? ['/bin/sh', '-c', '/entrypoint.sh']
      : ['/bin/k3d-entrypoint.sh', ...(node.cmd ?? [])]
  ).join(' ');
  return {
    ID: node.id.slice(0, 12),
    Image: node.imageName,
    Command: JSON.stringify(command.length > 20 ? `${command.slice(0, 19)}…` : command),
    CreatedAt: node.created.replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC'),
    RunningFor: `${since(node.created)} ago`,
    Ports: portsColumn(node, running),
    State: running ? 'running' : 'exited',
    Status: running ? `Up ${since(cluster.createdAt)}` : `Exited (0) ${since(cluster.createdAt)} ago`,
    Names: node.name,
    Labels: Object.entries(node.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
    Networks: node.networks.join(','),
    labels: node.labels,
  };
}

function lookup(root, path) {
  let value = root;
  for (const part of path.split('.').filter(Boolean)) {
    if (value instanceof Map) value = value.get(part);
    else value = value?.[part];
  }
  return value;
}

function display(value) {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'object')
    return value instanceof Map
      ? `map[${[...value].map(([k, v]) => `${k}:${display(v)}`).join(' ')}]`
      : `[${[].concat(value).join(' ')}]`;
  return String(value);
}

/** A small subset of Go's text/template: {{.A.B}}, {{json .X}}, {{.Label "k"}}, {{index .A "k"}}. */
export function renderTemplate(template, data) {
  const text = template.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  return text.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expression) => {
    const json = expression.match(/^json\s+(\S+)$/);
    if (json) return goJson(json[1] === '.' ? data : lookup(data, json[1]));
    const label = expression.match(/^\.Label\s+"([^"]*)"$/);
    if (label) return data.labels?.[label[1]] ?? '';
    const index = expression.match(/^index\s+(\S+)\s+"([^"]*)"$/);
    if (index) {
      const container = lookup(data, index[1]);
      return display(container instanceof Map ? container.get(index[2]) : container?.[index[2]]);
    }
    if (expression.startsWith('.')) return display(lookup(data, expression));
    throw new Error(`template: unsupported expression {{${expression}}}`);
  });
}
