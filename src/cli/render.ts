// Pure renderers: data in, text out. Colour only when the caller says the output is a terminal.
import { escapeControls } from '../redact.js';
import type { K3dCluster } from '../remote/types.js';
import type { SessionReport } from '../session/session.js';
import { pasteWord } from '../shell-word.js';

export interface RenderOptions {
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

export function table(rows: string[][], header: string[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Names the dev server chooses (clusters, contexts, services) come from the remote: C0/C1 controls, DEL,
 * bidi overrides and line separators are shown escaped, never sent to the terminal.
 */
export function safeText(text: string): string {
  return escapeControls(text);
}

/** Why a forward's local port differs from the dev server's, in the words of the NOTE column. */
export function remapNote(remapped: { from: number; reason: string }, localPort: number): string {
  switch (remapped.reason) {
    case 'busy':
      return `local ${remapped.from} was busy`;
    case 'self':
      return `local ${remapped.from} would loop (the dev server is this machine)`;
    case 'pinned':
      return `pinned by --map ${remapped.from}:${localPort}`;
    case 'conflict':
      return `local ${remapped.from} is claimed by another forward`;
    default:
      return `local ${remapped.from} remapped: ${safeText(remapped.reason)}`;
  }
}

export function renderForwards(report: SessionReport, options: RenderOptions): string {
  const rows = report.forwards.map((spec) => {
    const context = report.kubeconfig.contexts.find((entry) => entry.cluster === spec.cluster);
    const busy = spec.remapped ? paint(options.color, '33', remapNote(spec.remapped, spec.localPort)) : '';
    // The API row already names its context, so a remap is added in parentheses there.
    const note =
      spec.kind === 'api'
        ? [context ? `context ${safeText(context.context)}` : '', busy ? `(${busy})` : '']
            .filter(Boolean)
            .join(' ')
        : busy;
    return [
      safeText(spec.cluster),
      spec.kind,
      `${spec.localAddress}:${spec.localPort}`,
      `${spec.remoteHost}:${spec.remotePort}`,
      spec.kind === 'api' ? '6443' : String(spec.nodePort),
      note,
    ];
  });
  const lines = [
    `Forwarding ${safeText(report.alias)} (${safeText(report.hostName)}), k3d ${safeText(report.k3d.k3dVersion ?? 'unknown version')}:`,
    table(rows, ['CLUSTER', 'KIND', 'LOCAL', 'DEV SERVER', 'NODEPORT', '']),
  ];
  for (const spec of report.forwards.filter((forward) => forward.remapped?.reason === 'busy')) {
    lines.push(
      paint(
        options.color,
        '33',
        `note: 127.0.0.1:${spec.remapped!.from} is in use on this machine, so ${safeText(spec.cluster)}'s port ${spec.remotePort} is at ${spec.localAddress}:${spec.localPort} (pin one with --map ${spec.remotePort}:<local>)`,
      ),
    );
  }
  for (const spec of report.forwards.filter((forward) => forward.remapped?.reason === 'self')) {
    lines.push(
      paint(
        options.color,
        '33',
        `note: the dev server is this machine, so ${safeText(spec.cluster)}'s port ${spec.remotePort} is at ${spec.localAddress}:${spec.localPort} (listening on ${spec.remapped!.from} would forward to itself)`,
      ),
    );
  }
  for (const port of report.unusedMaps) {
    lines.push(
      paint(
        options.color,
        '33',
        `warning: --map ${port}:… matches no port the dev server publishes (see: tunnel clusters ${safeText(report.alias)})`,
      ),
    );
  }
  for (const { cluster, reason } of report.skipped)
    lines.push(`skipped ${safeText(cluster)}: ${safeText(reason)}`);
  for (const { spec, error } of report.failed)
    lines.push(paint(options.color, '31', `not forwarded ${safeText(spec.id)}: ${safeText(error)}`));
  lines.push(...renderKubeconfigSummary(report));
  return lines.join('\n');
}

function renderKubeconfigSummary(report: SessionReport): string[] {
  const { kubeconfig } = report;
  const lines: string[] = [];
  if (kubeconfig.mode === 'none') return ['kubeconfig: not written (--no-kubeconfig)'];
  if (kubeconfig.contexts.length > 0) {
    const names = kubeconfig.contexts.map((entry) => safeText(entry.context)).join(', ');
    const verb = kubeconfig.mode === 'standalone' ? 'wrote' : 'merged into';
    lines.push(`kubeconfig: ${verb} ${kubeconfig.file} (context ${names})`);
    lines.push(
      kubeconfig.switchedTo
        ? `current context is now ${safeText(kubeconfig.switchedTo)}`
        : `try: kubectl --context ${pasteWord(kubeconfig.contexts[0]!.context, '<context>')} get pods`,
    );
  }
  for (const { context, path, reason } of kubeconfig.dropped)
    lines.push(`dropped ${safeText(path)} from ${safeText(context)}'s kubeconfig: ${safeText(reason)}`);
  if ((kubeconfig.moreDropped ?? 0) > 0)
    lines.push(`dropped ${kubeconfig.moreDropped} more fields from the dev server's kubeconfig`);
  for (const { cluster, error } of kubeconfig.errors)
    lines.push(`kubeconfig for ${safeText(cluster)} not written: ${safeText(error)}`);
  return lines;
}

export function renderClusters(clusters: K3dCluster[]): string {
  if (clusters.length === 0)
    return 'No k3d clusters on the dev server. Create one: k3d cluster create my-app';
  const rows: string[][] = [];
  for (const cluster of clusters) {
    const state = cluster.running ? 'running' : 'stopped';
    const servers = `${cluster.serversRunning}/${cluster.serversCount}`;
    const agents = `${cluster.agentsRunning}/${cluster.agentsCount}`;
    const api = cluster.api ? `${cluster.api.hostIp || '0.0.0.0'}:${cluster.api.hostPort}` : '-';
    const ports =
      cluster.ports
        .map(
          (port) =>
            `${port.hostPort}→${port.containerPort}${port.nodeRole === 'loadbalancer' ? '' : ' (direct)'}`,
        )
        .join(', ') || '-';
    rows.push([safeText(cluster.name), state, servers, agents, api, ports]);
  }
  return table(rows, ['NAME', 'STATE', 'SERVERS', 'AGENTS', 'API', 'PORTS (host→nodePort)']);
}
