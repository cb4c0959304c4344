// `tunnel cluster create <host> <name>`: every flag checked before anything runs (exit 2), then over one
// SSH connection: the name and ports checked on the dev server and here, `k3d cluster create` with its
// progress shown, and (--connect) the agent asked to forward the new cluster.
import type { Command } from 'commander';
import { isLoopback, type SessionOptions } from '../../config/resolve.js';
import { stderrLogger } from '../../log.js';
import { type CreateFlags, type CreateRequest, parseCreateRequest } from '../../remote/cluster-request.js';
import { findK3d } from '../../remote/k3d.js';
import { createCluster } from '../../remote/k3d-cluster.js';
import { formatNodeFilter, formatPortSpec, type PortSpec, viaLoadBalancer } from '../../remote/port-spec.js';
import type { K3dInfo } from '../../remote/types.js';
import { connectTarget } from '../../session/session.js';
import { hostOptions } from '../connect-settings.js';
import { safeText } from '../render.js';
import { terminalInteraction } from '../terminal.js';
import { type ForwardOutcome, forwardNewCluster, renderForwardOutcome, runningSession } from './agent.js';
import { checkBeforeCreate } from './checks.js';
import { createProgress } from './progress.js';

export interface CreateCliFlags extends CreateFlags {
  connect?: boolean;
  json?: boolean;
}

interface Created {
  request: CreateRequest & { apiPort: number };
  k3d: K3dInfo;
  warnings: string[];
}

export async function runClusterCreate(host: string, name: string, flags: CreateCliFlags, command: Command) {
  // Every flag first: a typo must cost nothing on the dev server.
  const request = parseCreateRequest(name, flags);
  const options = hostOptions(host, command);
  if (!isLoopback(request.apiHost)) {
    process.stderr.write(
      `warning: the API will listen on ${request.apiHost} on ${host}${request.apiHost === '0.0.0.0' ? ' (every interface)' : ''}: ` +
        'whoever reaches that address can try it (k3s still asks for the client certificate). ' +
        'Without --api-host only the tunnel reaches it.\n',
    );
  }
  const created = await create(options, request, flags.json !== true);
  const forward = flags.connect ? await forwardNewCluster(options, request.name) : undefined;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(jsonReport(host, created, forward), null, 2)}\n`);
    return;
  }
  process.stdout.write(`${renderCreated(host, created)}\n`);
  if (forward) {
    process.stdout.write(`${renderForwardOutcome(forward, request.name)}\n`);
    return;
  }
  const session = await runningSession(host);
  process.stdout.write(
    session
      ? `the running session for ${host} forwards it at its next discovery (within ${Math.round(session.settings.rediscoverIntervalMs / 1000)}s); see: tunnel status ${host}\n`
      : `forward it with: tunnel connect ${host} (or create with --connect)\n`,
  );
}

async function create(
  options: SessionOptions,
  request: CreateRequest,
  showWarnings: boolean,
): Promise<Created> {
  const connection = await connectTarget(options, terminalInteraction(), stderrLogger(false));
  try {
    const k3d = await findK3d(connection);
    const checked = await checkBeforeCreate({
      conn: connection,
      k3d,
      request,
      bindAddress: options.bindAddress,
    });
    if (showWarnings)
      for (const warning of checked.warnings) process.stderr.write(`warning: ${safeText(warning)}\n`);
    const full = { ...request, apiPort: checked.apiPort };
    const progress = createProgress(process.stderr);
    try {
      await createCluster(connection, k3d, full, { onLine: progress.line });
    } finally {
      progress.stop();
    }
    return { request: full, k3d, warnings: checked.warnings };
  } finally {
    connection.close();
  }
}

function describeTarget(spec: PortSpec): string {
  if (spec.nodeFilters.length === 0) return 'every node, through the load balancer';
  if (viaLoadBalancer(spec)) return 'the load balancer';
  const filters = spec.nodeFilters.map(formatNodeFilter).join(';');
  return spec.nodeFilters.some((filter) => filter.suffix === 'direct')
    ? `${filters}`
    : `${filters}, through the load balancer`;
}

function renderCreated(host: string, created: Created): string {
  const { request, k3d } = created;
  const nodes = `${request.servers} server${request.servers === 1 ? '' : 's'}, ${request.agents} agent${request.agents === 1 ? '' : 's'}`;
  const lines = [
    `created cluster ${request.name} on ${host} (k3d ${k3d.k3dVersion ?? 'unknown version'}): ${nodes}`,
    `  API: ${request.apiHost}:${request.apiPort} on ${host}`,
  ];
  for (const spec of request.ports) {
    const where = spec.hostIp === undefined ? '' : `${spec.hostIp}:`;
    lines.push(`  port ${where}${spec.hostPort} → ${spec.containerPort} (${describeTarget(spec)})`);
  }
  return lines.join('\n');
}

function jsonReport(host: string, created: Created, forward: ForwardOutcome | undefined) {
  const { request, k3d } = created;
  return {
    host,
    k3d: { version: k3d.k3dVersion ?? null, path: k3d.path },
    cluster: {
      name: request.name,
      servers: request.servers,
      agents: request.agents,
      api: { hostIp: request.apiHost, hostPort: request.apiPort },
      ports: request.ports.map((spec) => ({
        spec: formatPortSpec(spec),
        hostIp: spec.hostIp ?? null,
        hostPort: spec.hostPort,
        containerPort: spec.containerPort,
        nodeFilters: spec.nodeFilters.map(formatNodeFilter),
      })),
    },
    warnings: created.warnings,
    forward: forward
      ? { how: forward.how, cluster: forward.cluster ?? null, session: forward.session }
      : null,
  };
}
