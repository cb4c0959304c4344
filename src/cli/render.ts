// Pure renderers: data in, text out. Colour only when the caller says the output is a terminal.
import { escapeControls } from '../redact.js';
import { clusterState } from '../remote/k3d-state.js';
import type { K3dCluster } from '../remote/types.js';

export interface RenderOptions {
  color: boolean;
}

/** `text` in SGR colour `code` when `on` (the output is a terminal); every renderer colours this way. */
export const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

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

export function renderClusters(clusters: K3dCluster[]): string {
  if (clusters.length === 0)
    return 'No k3d clusters on the dev server. Create one: k3d cluster create my-app';
  const rows: string[][] = [];
  for (const cluster of clusters) {
    const state = clusterState(cluster);
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
  // What k3d listed oddly and what will not be forwarded (a port on the engine host's loopback), with why.
  const notes = clusters.flatMap((cluster) =>
    cluster.warnings.map((warning) => `warning: ${safeText(cluster.name)}: ${safeText(warning)}`),
  );
  return [table(rows, ['NAME', 'STATE', 'SERVERS', 'AGENTS', 'API', 'PORTS (host→nodePort)']), ...notes].join(
    '\n',
  );
}
