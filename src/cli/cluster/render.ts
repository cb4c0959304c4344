// What `tunnel cluster create|delete` print when cluster/ is done (pure): the new cluster, its forwarding
// (or how to get it), the --json document, and what a delete removed.

import type { AgentFailure, CreateClusterReport, DeleteClusterReport } from '../../cluster/types.js';
import { escapeControlsKeepLines } from '../../redact.js';
import { formatNodeFilter, formatPortSpec, type PortSpec, viaLoadBalancer } from '../../remote/port-spec.js';
import { safeText } from '../render.js';
import { type ForwardOutcome, renderForwardOutcome } from './agent.js';

export type CreateReport = CreateClusterReport<ForwardOutcome>;

function describeTarget(spec: PortSpec): string {
  if (spec.nodeFilters.length === 0) return 'every node, through the load balancer';
  if (viaLoadBalancer(spec)) {
    // k3d replaces any loadbalancer filter by its default (proxy) and logs so: say it too.
    const direct = spec.nodeFilters.some(
      (filter) => filter.group === 'loadbalancer' && filter.suffix === 'direct',
    );
    return direct
      ? 'the load balancer; :direct ignored on the load balancer, as k3d does'
      : 'the load balancer';
  }
  const filters = spec.nodeFilters.map(formatNodeFilter).join(';');
  return spec.nodeFilters.some((filter) => filter.suffix === 'direct')
    ? `${filters}`
    : `${filters}, through the load balancer`;
}

/** The created cluster, then its forwarding (--connect) or how it will be forwarded. */
export function renderCreated(report: CreateReport): string {
  const { cluster, host } = report;
  const nodes = `${cluster.servers} server${cluster.servers === 1 ? '' : 's'}, ${cluster.agents} agent${cluster.agents === 1 ? '' : 's'}`;
  const lines = [
    // The version is the dev server's words (`k3d version`): escaped.
    `created cluster ${cluster.name} on ${host} (k3d ${safeText(report.k3d.version ?? 'unknown version')}): ${nodes}`,
    `  API: ${cluster.apiHost}:${cluster.apiPort} on ${host}`,
  ];
  for (const spec of cluster.ports) {
    const where = spec.hostIp === undefined ? '' : `${spec.hostIp}:`;
    lines.push(`  port ${where}${spec.hostPort} → ${spec.containerPort} (${describeTarget(spec)})`);
  }
  if (report.forward) lines.push(renderForwardOutcome(report.forward, cluster.name));
  else if (report.agentFailure) lines.push(`forward it with: tunnel connect ${host}`);
  else if (report.rediscoverIntervalMs !== undefined) {
    lines.push(
      `the running session for ${host} forwards it at its next discovery (within ${Math.round(report.rediscoverIntervalMs / 1000)}s); see: tunnel status ${host}`,
    );
  } else lines.push(`forward it with: tunnel connect ${host} (or create with --connect)`);
  return lines.join('\n');
}

export function createJson(report: CreateReport) {
  const { cluster } = report;
  return {
    host: report.host,
    k3d: report.k3d,
    cluster: {
      name: cluster.name,
      servers: cluster.servers,
      agents: cluster.agents,
      api: { hostIp: cluster.apiHost, hostPort: cluster.apiPort },
      ports: cluster.ports.map((spec) => ({
        spec: formatPortSpec(spec),
        hostIp: spec.hostIp ?? null,
        hostPort: spec.hostPort,
        containerPort: spec.containerPort,
        nodeFilters: spec.nodeFilters.map(formatNodeFilter),
      })),
    },
    warnings: report.warnings,
    forward: forwardJson(report),
  };
}

function forwardJson({ forward, agentFailure }: CreateReport) {
  if (forward) return { how: forward.how, cluster: forward.cluster ?? null, session: forward.session };
  if (agentFailure) return { error: { message: agentFailure.message, hint: agentFailure.hint ?? null } };
  return null;
}

/**
 * For stderr after the report: the agent step that failed (the command then exits 1). The agent's words
 * may quote the dev server: escaped.
 */
export function renderAgentFailure(what: string, failure: AgentFailure): string {
  const hint = failure.hint
    ? `\n  hint: ${escapeControlsKeepLines(failure.hint).replaceAll('\n', '\n        ')}`
    : '';
  return `error: the agent ${what}: ${safeText(failure.message)}${hint}\n`;
}

export function renderDeleted(report: DeleteClusterReport): string {
  const { host, name } = report;
  const lines = [
    report.outcome === 'deleted'
      ? `deleted cluster ${name} on ${host}`
      : `${host} has no k3d cluster named ${name}; nothing to delete`,
  ];
  if (report.removedFrom)
    lines.push(`removed context ${safeText(report.context)} from ${report.removedFrom}`);
  if (report.refreshed === true && report.outcome === 'deleted') {
    lines.push(`the session for ${host} stopped forwarding ${name}`);
  } else if (report.refreshed === false) {
    lines.push(`the session for ${host} is not connected; it drops ${name}'s forwards when it is back`);
  } else if (report.agentFailure && report.outcome === 'deleted') {
    lines.push(`a session for ${host} may forward ${name} until its next discovery (tunnel status ${host})`);
  }
  return lines.join('\n');
}
