// Pure parsers of what k3d prints on the dev server (shapes: docs/reference/k3d.md). No I/O, no shell.
// Odd input is either tolerated with a note in `warnings` or rejected with TunnelError('K3D_OUTPUT')
// naming the exact place; nothing else is ever thrown. Cluster names stay data: never rewritten.
import { remoteText } from '../redact.js';
import { afterLeadingLogs, parseK3dLogLine, skippedBareLine, stripAnsi } from './k3d-log.js';
import { describeJson, parseNode, quote, type RawNode, unexpected } from './k3d-node.js';
import { nodeAddresses } from './k3d-node-address.js';
import { clusterRunning, stoppedDirectPorts } from './k3d-state.js';
import type { K3dCluster, PortMapping } from './types.js';

export type { K3dLogLevel, K3dLogLine, K3dVersions } from './k3d-log.js';
export {
  parseK3dLogLine,
  parseK3dVersion,
  parseKubeconfigGetOutput,
  stripAnsi,
  summarizeK3dError,
} from './k3d-log.js';

// k3d's own rule (pkg/util CheckName + ValidateHostname): RFC 1123-ish letters, digits and inner dashes,
// at most 32 characters so `k3d-<name>-server-0` stays a valid host name.
const SAFE_CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** True when k3d itself would accept this name for `cluster create`; use before putting a name in a hint. */
export function isSafeClusterName(name: string): boolean {
  return SAFE_CLUSTER_NAME.test(name);
}

/** Host IPs docker treats as "every interface"; from the dev server they are reached at 127.0.0.1. */
export function isWildcardHost(hostIp: string): boolean {
  return hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::' || hostIp === '[::]';
}

/** `k3d cluster list -o json` or `k3d cluster get NAME -o json` (an array either way). */
export function parseClusterList(stdout: string): K3dCluster[] {
  const data = parseJsonOutput(stdout);
  // Go marshals a nil slice as null; k3d prints [] today, but null means the same thing.
  if (data === null) return [];
  if (!Array.isArray(data)) {
    throw unexpected(`expected a JSON array of clusters, got ${describeJson(data)}`);
  }
  return data.map((entry, index) => parseCluster(entry, index));
}

function parseJsonOutput(stdout: string): unknown {
  // INFO/DEBUG lines go to stdout too (LOG_LEVEL on the server), some spanning lines; compact JSON never
  // looks like one.
  const lines = stripAnsi(stdout).split('\n');
  const start = afterLeadingLogs(lines, (line) => /^\s*(?:[[{]|null\b)/.test(line));
  const text = lines
    .slice(start)
    .filter((line) => parseK3dLogLine(line).level === undefined)
    .join('\n')
    .trim();
  if (text === '') {
    // What was skipped as a log message's continuation was all it printed: that is what is not JSON.
    const skipped = skippedBareLine(lines, start);
    if (skipped !== undefined)
      throw unexpected(
        `output is not JSON; it starts with ${remoteText(JSON.stringify(skipped.slice(0, 60)))}`,
      );
    throw unexpected('printed nothing (expected a JSON array, "[]" when there are no clusters)');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the input around the error: the JSON carries tokens, so it is redacted too.
    const reason = remoteText(error instanceof Error ? error.message : String(error), 200);
    throw unexpected(
      `output is not JSON (${reason}); it starts with ${remoteText(JSON.stringify(text.slice(0, 60)))}`,
    );
  }
}

function parseCluster(entry: unknown, index: number): K3dCluster {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw unexpected(`cluster entry #${index + 1} is ${describeJson(entry)}, expected an object`);
  }
  const record = entry as Record<string, unknown>;
  if (typeof record.name !== 'string' || record.name === '') {
    throw unexpected(`cluster entry #${index + 1} has no "name"`);
  }
  const name = record.name;
  const where = `cluster ${quote(name)}`;
  if (!Array.isArray(record.nodes)) {
    throw unexpected(`${where}: "nodes" is ${describeJson(record.nodes)}, expected an array`);
  }
  const warnings: string[] = [];
  const nodes = record.nodes.map((node, nodeIndex) => parseNode(node, nodeIndex, where, warnings));
  const hasLoadBalancer = readHasLoadBalancer(record, where) || nodes.some((n) => n.role === 'loadbalancer');
  const serversCount = readCount(record, 'serversCount', where, countNodes(nodes, 'server', false));
  const serversRunning = readCount(record, 'serversRunning', where, countNodes(nodes, 'server', true));
  const agentsCount = readCount(record, 'agentsCount', where, countNodes(nodes, 'agent', false));
  const agentsRunning = readCount(record, 'agentsRunning', where, countNodes(nodes, 'agent', true));
  const api = findApi(nodes, hasLoadBalancer, warnings);
  const running = clusterRunning(nodes, { serversCount, serversRunning, api }, warnings);
  const ports = collectPorts(nodes, hasLoadBalancer, api, warnings);
  if (running && hasLoadBalancer && nodes.some((n) => n.role === 'loadbalancer' && !n.running)) {
    warnings.push('the loadbalancer node is not running: forwarded ports will not answer');
  }
  if (running) warnings.push(...stoppedDirectPorts(nodes, ports));
  return {
    name,
    running,
    serversRunning,
    serversCount,
    agentsRunning,
    agentsCount,
    hasLoadBalancer,
    api,
    ports,
    createdAt: nodes.find((node) => node.role === 'server')?.created,
    warnings,
    nodes: nodeAddresses(nodes, warnings),
  };
}

// `hasLoadbalancer` is omitempty in k3d's JSON: absent means false.
function readHasLoadBalancer(record: Record<string, unknown>, where: string): boolean {
  const value = record.hasLoadbalancer;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw unexpected(`${where}: "hasLoadbalancer" is ${describeJson(value)}, expected true or false`);
  }
  return value;
}

function readCount(record: Record<string, unknown>, key: string, where: string, fallback: number): number {
  const value = record[key];
  // Always present in k3d v5; derived from the nodes the same way k3d does when a future release drops it.
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw unexpected(`${where}: "${key}" is ${describeJson(value)}, expected a count`);
  }
  return value;
}

function countNodes(nodes: readonly RawNode[], role: 'server' | 'agent', runningOnly: boolean): number {
  return nodes.filter((node) => node.role === role && (!runningOnly || node.running)).length;
}

// The API is the "6443" mapping on the serverlb or, with --no-lb, on a server; else a server's kubeAPI binding.
function findApi(
  nodes: readonly RawNode[],
  hasLoadBalancer: boolean,
  warnings: string[],
): PortMapping | undefined {
  const candidates = nodes.flatMap((node) =>
    node.mappings.filter((mapping) => isApiMapping(mapping, hasLoadBalancer)),
  );
  const fromBinding = nodes.flatMap((node) => (node.kubeApi ? [node.kubeApi] : []));
  const all = [...candidates, ...fromBinding];
  const api = all[0];
  if (api === undefined) {
    warnings.push(
      'no Kubernetes API port is published on the dev server (no "6443" mapping on the loadbalancer and no ' +
        'kubeAPI binding on a server): kubectl will not work through the tunnel',
    );
    return undefined;
  }
  for (const other of all.slice(1)) {
    if (targetKey(other) !== targetKey(api)) {
      warnings.push(
        `the API is also published on ${other.hostIp || '*'}:${other.hostPort}; using ${api.hostPort}`,
      );
    }
  }
  return { ...api, isApi: true };
}

function isApiMapping(mapping: PortMapping, hasLoadBalancer: boolean): boolean {
  if (mapping.containerPort !== 6443 || mapping.protocol !== 'tcp') return false;
  return mapping.nodeRole === 'loadbalancer' || (mapping.nodeRole === 'server' && !hasLoadBalancer);
}

function collectPorts(
  nodes: readonly RawNode[],
  hasLoadBalancer: boolean,
  api: PortMapping | undefined,
  warnings: string[],
): PortMapping[] {
  const seen = new Map<string, PortMapping>();
  if (api) seen.set(targetKey(api), api);
  const ports: PortMapping[] = [];
  for (const mapping of nodes.flatMap((node) => node.mappings)) {
    if (isApiMapping(mapping, hasLoadBalancer)) continue;
    if (mapping.protocol !== 'tcp') {
      warnings.push(
        `node ${quote(mapping.nodeName)}: ${mapping.containerPort}/${mapping.protocol} on host port ` +
          `${mapping.hostPort} is not forwarded (SSH forwards TCP only)`,
      );
      continue;
    }
    const key = targetKey(mapping);
    const earlier = seen.get(key);
    if (earlier) {
      // docker lists 0.0.0.0 and :: bindings of one request separately; same target, forward once.
      if (earlier.containerPort !== mapping.containerPort) {
        warnings.push(
          `host port ${mapping.hostPort} is mapped to both ${earlier.containerPort} and ${mapping.containerPort}`,
        );
      }
      continue;
    }
    seen.set(key, mapping);
    ports.push(mapping);
  }
  return ports.sort(
    (a, b) => a.hostPort - b.hostPort || (a.hostIp < b.hostIp ? -1 : a.hostIp > b.hostIp ? 1 : 0),
  );
}

// Where the dev server connects for this mapping: wildcard binds are all reached through 127.0.0.1.
function targetKey(mapping: PortMapping): string {
  return `${isWildcardHost(mapping.hostIp) ? '127.0.0.1' : mapping.hostIp}:${mapping.hostPort}`;
}
