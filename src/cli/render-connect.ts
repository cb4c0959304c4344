// What `tunnel connect` prints once the session forwards: its entry of the status document (the one
// forwards table, without the traffic columns), then what needs the user's attention now (remapped
// ports, --map pins that matched nothing, skipped clusters, unbound forwards) and the kubeconfig. A session
// on OpenSSH says so once, with why (ssh2 is the default and goes unsaid).
import type { ForwardStatus, SessionStatus, TransportStatus } from '../control/status-document.js';
import { droppedLine } from '../kubeconfig/fetch.js';
import { pasteWord } from '../shell-word.js';
import { paint, safeText } from './render.js';
import { forwardsTable } from './render-forwards.js';
import { forwardLabel, pinFlag } from './render-via.js';

export interface ConnectRenderOptions {
  color: boolean;
  now: Date;
}

const [RED, YELLOW] = ['31', '33'];

export function renderConnected(session: SessionStatus, options: ConnectRenderOptions): string {
  const { color } = options;
  const name = session.hostName ?? session.host;
  const lines = [
    `Forwarding ${safeText(session.host)} (${safeText(name)}), k3d ${safeText(session.k3dVersion ?? 'unknown version')}:`,
    ...forwardsTable(session.clusters, { ...options, traffic: false }),
  ];
  const via = transportLine(session.transport);
  if (via) lines.push(via);
  if (session.dockerHost) lines.push(dockerHostLine(session.dockerHost, session.host));
  const forwards = session.clusters.flatMap((cluster) =>
    cluster.forwards.map((forward) => ({ cluster: cluster.name, forward })),
  );
  for (const { cluster, forward } of forwards) {
    const text = remapLine(cluster, forward, forwards);
    if (text) lines.push(paint(color, YELLOW, text));
  }
  for (const port of session.unusedMaps ?? []) {
    const text = `warning: --map ${port}:… matches no port the dev server publishes (see: tunnel clusters ${safeText(session.host)})`;
    lines.push(paint(color, YELLOW, text));
  }
  for (const { cluster, reason } of session.skipped)
    lines.push(`skipped ${safeText(cluster)}: ${safeText(reason)}`);
  for (const { forward } of forwards.filter((entry) => entry.forward.state === 'unbound')) {
    const error = forward.lastError ?? 'the local port could not be bound';
    lines.push(paint(color, RED, `not forwarded ${safeText(forward.id)}: ${safeText(error)}`));
  }
  lines.push(...kubeconfigSummary(session));
  return lines.join('\n');
}

/** Said once: the ports are not on the dev server itself but where its docker engine runs. */
export function dockerHostLine(dockerHost: string, alias: string): string {
  return `the clusters run on ${safeText(dockerHost)} (the docker engine's host), reached via ${safeText(alias)}`;
}

/**
 * "via OpenSSH (CertificateFile …)" when the session runs on OpenSSH, else undefined. The reason may
 * quote the server (an SSH_UNSUPPORTED error's text), so it is escaped.
 */
export function transportLine(transport: TransportStatus | undefined): string | undefined {
  if (transport?.kind !== 'openssh') return undefined;
  if (transport.reason) return `via OpenSSH (${safeText(transport.reason)})`;
  return transport.setting === 'openssh' ? 'via OpenSSH (transport set to openssh)' : 'via OpenSSH';
}

function kubeconfigSummary(session: SessionStatus): string[] {
  const { kubeconfig } = session;
  if (kubeconfig.mode === 'none') return ['kubeconfig: not written (--no-kubeconfig)'];
  const lines: string[] = [];
  const contexts = session.clusters.flatMap((cluster) => (cluster.context ? [cluster.context] : []));
  if (contexts.length > 0) {
    const verb = kubeconfig.mode === 'standalone' ? 'wrote' : 'merged into';
    const file = safeText(kubeconfig.file ?? '?');
    lines.push(`kubeconfig: ${verb} ${file} (context ${contexts.map(safeText).join(', ')})`);
    lines.push(
      kubeconfig.switchedTo
        ? `current context is now ${safeText(kubeconfig.switchedTo)}`
        : `try: kubectl --context ${pasteWord(contexts[0]!, '<context>')} get pods`,
    );
  }
  // The same words as the agent's log (droppedLine), escaped as a whole: every part came from the dev server.
  for (const field of kubeconfig.dropped ?? []) lines.push(safeText(droppedLine(field.context, field)));
  if ((kubeconfig.moreDropped ?? 0) > 0)
    lines.push(`dropped ${kubeconfig.moreDropped} more fields from the dev server's kubeconfig`);
  for (const { cluster, error } of kubeconfig.errors ?? [])
    lines.push(`kubeconfig for ${safeText(cluster)} not written: ${safeText(error)}`);
  return lines;
}

/** The note under the table for a local port that differs from the one wanted, when it needs one. */
function remapLine(
  cluster: string,
  forward: ForwardStatus,
  all: readonly { cluster: string; forward: ForwardStatus }[],
): string | undefined {
  const remapped = forward.remapped;
  if (!remapped) return undefined;
  const address = safeText(forward.localAddress);
  const label = forwardLabel(cluster, forward);
  const where = `${label} is at ${address}:${forward.localPort}`;
  const pin = `(pin one with ${pinFlag(forward, '<local>')})`;
  switch (remapped.reason) {
    case 'busy':
      // The address the forward listens on (--bind), not always 127.0.0.1.
      return `note: ${address}:${remapped.from} is in use on this machine${heldBy(remapped)}, so ${where} ${pin}`;
    case 'self':
      return `note: the dev server is this machine, so ${where} (listening on ${remapped.from} would forward to itself)`;
    case 'privileged':
      return `note: ${label} listens on ${address}:${forward.localPort}: port ${remapped.from} probably needs root on this machine (or CAP_NET_BIND_SERVICE; nothing visible holds it)`;
    case 'conflict': {
      // Only a Service says so: two k3d mappings onto one port is rare and the table's note covers it.
      if (!forward.service) return undefined;
      const winner = all.find(
        (entry) => entry.forward !== forward && entry.forward.localPort === remapped.from,
      );
      const other = winner ? ` by ${forwardLabel(winner.cluster, winner.forward)}` : '';
      return `note: local port ${remapped.from} is taken${other}, so ${where} ${pin}`;
    }
    default:
      return undefined;
  }
}

/** " by ControlCenter (pid 512) on *:5000": the holder, when the agent could tell (escaped: a process name). */
function heldBy(remapped: { heldBy?: string }): string {
  return remapped.heldBy ? ` by ${safeText(remapped.heldBy)}` : '';
}
