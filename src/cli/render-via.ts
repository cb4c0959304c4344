// How one forward is named on screen (issue 14): the Service behind it (`monitoring/grafana:3000`) and how
// the dev server reaches it (`host port 8080 → nodePort 30080`, `node 172.18.0.3:31742`, `pod
// port-forward`). Shared by the forwards table and connect's notes. Service and node names come from the
// cluster's API (untrusted): escaped, and cut so one name cannot push the table off the screen.
import type { ForwardStatus } from '../control/status-document.js';
import { safeText } from './render.js';

/** Longer than any valid `namespace/name:port` (63 + 1 + 63 + 6): only a lying API gets cut. */
const NAME_LENGTH = 140;

function cut(text: string): string {
  return text.length <= NAME_LENGTH ? text : `${text.slice(0, NAME_LENGTH - 1)}…`;
}

/** `namespace/name:port` of the Service behind the forward, or undefined (the API, an unnamed mapping). */
export function serviceLabel(forward: ForwardStatus): string | undefined {
  const service = forward.service;
  if (!service) return undefined;
  return cut(safeText(`${service.namespace}/${service.name}:${service.port}`));
}

/** True when the dev server reaches the forward through a port k3d publishes (every forward before issue 14). */
export function isHostPort(forward: ForwardStatus): boolean {
  return forward.via === undefined || forward.via.kind === 'host-port';
}

/** The VIA column. */
export function viaText(forward: ForwardStatus): string {
  const via = forward.via;
  if (via?.kind === 'node') return `node ${cut(safeText(via.address))}:${forward.remotePort}`;
  if (via?.kind === 'pod') return 'pod port-forward';
  // The host is said only when it is not the dev server's loopback (a mapping bound to one address, or
  // the docker engine on another host).
  const loopback = forward.remoteHost === '127.0.0.1' || forward.remoteHost === 'localhost';
  const host = loopback ? '' : `${cut(safeText(forward.remoteHost))}:`;
  const port = `host port ${host}${forward.remotePort}`;
  const { nodePort } = forward;
  const showNodePort =
    forward.kind === 'service' &&
    nodePort !== null &&
    (nodePort !== forward.remotePort || forward.service != null);
  return showNodePort ? `${port} → nodePort ${nodePort}` : port;
}

/**
 * What the user reads as "this forward": the Service when one is known, else the cluster's port
 * (`my-app's port 8080`).
 */
export function forwardLabel(cluster: string, forward: ForwardStatus): string {
  return serviceLabel(forward) ?? `${safeText(cluster)}'s port ${forward.remotePort}`;
}

/**
 * The --map that pins this forward to `local`: the Service form unless a k3d host port reaches it, then
 * `--map REMOTE:LOCAL` with `remote` (default the dev-server port).
 */
export function pinFlag(forward: ForwardStatus, local: string, remote = forward.remotePort): string {
  const service = serviceLabel(forward);
  return !isHostPort(forward) && service ? `--map ${service}:${local}` : `--map ${remote}:${local}`;
}
