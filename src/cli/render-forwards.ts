// The one forwards table: `connect`, `status` and `cluster create --connect` each show a session's forwards
// (its entry of the status document) through forwardsTable. Pure: the clock comes in as `now`, colour
// only when asked, every string from the dev server or the user goes through safeText.
import type { ClusterStatus, ForwardStateName, ForwardStatus } from '../control/status-document.js';
import { formatAge, formatBytes } from './format.js';
import { paint, safeText, table } from './render.js';
import { pinFlag, serviceLabel, viaText } from './render-via.js';

export interface ForwardsTableOptions {
  color: boolean;
  now: Date;
  /**
   * With the traffic columns (CONNS, IN, OUT, LAST ACTIVITY): `status`. Without them: what a session
   * that just started forwards (`connect`), where they would all read zero.
   */
  traffic: boolean;
  /** Leave out the CLUSTER column (a table about one cluster). */
  oneCluster?: boolean;
}

const [DIM, RED, GREEN, YELLOW] = ['2', '31', '32', '33'];
const STATE_COLOURS: Record<ForwardStateName, string> = {
  ok: GREEN,
  holding: YELLOW,
  refused: RED,
  unbound: RED,
  stopped: DIM,
};

/** Errors in the NOTE column are cut here so one long message does not push the table off the screen. */
const NOTE_ERROR_LENGTH = 60;
const TRAFFIC = ['CONNS', 'IN', 'OUT', 'LAST ACTIVITY'];

/** Epoch ms of an ISO timestamp from the agent, or null when absent or unreadable. */
export function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export function ageOf(iso: string | null, now: Date): string {
  const ms = parseTime(iso);
  return ms === null ? '?' : formatAge(now.getTime() - ms);
}

/** The table's lines (header first); none when there are no forwards. */
export function forwardsTable(clusters: readonly ClusterStatus[], options: ForwardsTableOptions): string[] {
  const rows: string[][] = [];
  const states: ForwardStateName[] = [];
  for (const cluster of clusters) {
    for (const forward of cluster.forwards) {
      rows.push(forwardRow(cluster, forward, options));
      states.push(forward.state);
    }
  }
  if (rows.length === 0) return [];
  const header = [
    ...(options.oneCluster ? [] : ['CLUSTER']),
    ...['KIND', 'SERVICE', 'LOCAL', 'VIA', 'STATE'],
    ...(options.traffic ? TRAFFIC : []),
    'NOTE',
  ];
  return paintStates(table(rows, header).split('\n'), states, options.color);
}

/**
 * Colours the STATE cell after the table is laid out: `table` measures cells by length, so an escape
 * code inside a cell would throw the columns off. Every cell before STATE is padded to one width, so
 * the header's STATE offset is the cell's offset on every row.
 */
function paintStates(lines: string[], states: ForwardStateName[], color: boolean): string[] {
  if (!color) return lines;
  const offset = lines[0]!.indexOf('STATE');
  return lines.map((line, index) => {
    const state = states[index - 1];
    if (index === 0 || state === undefined) return line;
    const end = offset + state.length;
    return line.slice(0, offset) + paint(true, STATE_COLOURS[state], state) + line.slice(end);
  });
}

function forwardRow(cluster: ClusterStatus, forward: ForwardStatus, options: ForwardsTableOptions): string[] {
  // Port 0 means no local port was assigned (a clash between forwards), so there is nothing to dial.
  const local = forward.localPort === 0 ? '-' : `${safeText(forward.localAddress)}:${forward.localPort}`;
  const activity =
    forward.lastActivityAt === null ? 'never' : `${ageOf(forward.lastActivityAt, options.now)} ago`;
  const traffic = [
    `${forward.open}/${forward.total}`,
    formatBytes(forward.bytesIn),
    formatBytes(forward.bytesOut),
    activity,
  ];
  return [
    ...(options.oneCluster ? [] : [safeText(cluster.name)]),
    forward.kind,
    serviceLabel(forward) ?? '-',
    local,
    viaText(forward),
    forward.state,
    ...(options.traffic ? traffic : []),
    noteFor(cluster, forward),
  ];
}

function noteFor(cluster: ClusterStatus, forward: ForwardStatus): string {
  const notes: string[] = [];
  if (forward.kind === 'api' && cluster.context) notes.push(`context ${safeText(cluster.context)}`);
  if (forward.remapped) notes.push(remapNote(forward));
  if (forward.state === 'refused' || forward.state === 'unbound') {
    const error = forward.lastError ?? forward.remote.error;
    if (error) notes.push(shorten(safeText(error), NOTE_ERROR_LENGTH));
  }
  if (forward.held > 0) notes.push(`held ${forward.held}`);
  if (forward.dropped > 0) notes.push(`dropped ${forward.dropped}`);
  return notes.join(', ');
}

function remapNote(forward: ForwardStatus): string {
  const remapped = forward.remapped!;
  switch (remapped.reason) {
    case 'busy':
      return `local ${remapped.from} was busy`;
    case 'self':
      return `local ${remapped.from} would loop (the dev server is this machine)`;
    case 'pinned':
      return `pinned by ${pinFlag(forward, String(forward.localPort), remapped.from)}`;
    case 'conflict':
      return `local ${remapped.from} is claimed by another forward`;
    case 'privileged':
      return `${remapped.from} probably needs root (nothing visible holds it)`;
    default:
      return `local ${remapped.from} remapped: ${safeText(remapped.reason)}`;
  }
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1).trimEnd()}…`;
}
