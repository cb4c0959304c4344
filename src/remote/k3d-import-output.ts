// Pure readers for `tunnel image push`: what `k3d image import` printed (docs/reference/k3d.md §4.5) sorted into the
// known-harmless ctr "content digest … not found" noise and real failures, and the server/agent nodes of one
// cluster from `k3d cluster list -o json`. No I/O. Decisions use exit codes and levels, never INFO wording.
import { logText } from '../redact.js';
import { parseK3dLogLine, stripAnsi } from './k3d-log.js';
import { describeJson, parseNode, quote, unexpected } from './k3d-node.js';

/** One logrus entry: its level line plus the bare lines that continue a multi-line message. */
export interface K3dLogEntry {
  level: 'INFO' | 'WARN' | 'ERRO' | 'FATA' | 'DEBU' | 'TRAC' | undefined;
  /** The message with continuation lines joined by '\n', ANSI colours removed. */
  text: string;
}

export interface ImportNoise {
  /** The node k3d named (`failed to import images in node '<node>'`), when it named one. */
  node: string | undefined;
  text: string;
}

export interface ImportOutput {
  /** k3d's exit status; null when killed or unknown. */
  code: number | null;
  /** ERRO lines that are ctr's `content digest sha256:…: not found` (k3d issue #1538): counted, not fatal. */
  noise: ImportNoise[];
  /** Every other ERRO/FATA message: the import failed. */
  errors: string[];
  warnings: string[];
  /** Every line k3d printed (ANSI removed), stdout then stderr, for --verbose. */
  lines: string[];
}

const DIGEST_NOT_FOUND = /content digest sha256:[0-9a-f]+:? not found/i;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NODE_FAILURE = /^failed to import images in node '([^']*)'/;

/** Groups log lines into entries: a bare line after a level line continues its message. */
export function groupK3dLog(text: string): K3dLogEntry[] {
  const entries: K3dLogEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = parseK3dLogLine(raw);
    const last = entries.at(-1);
    if (line.level === undefined && last !== undefined && last.level !== undefined) {
      if (line.message !== '') last.text = `${last.text}\n${line.message}`;
      continue;
    }
    if (line.level === undefined && line.message === '') continue;
    entries.push({ level: line.level, text: line.message });
  }
  return entries;
}

/** Sorts `k3d image import` output; stderr carries WARN/ERRO/FATA and their continuation lines. */
export function classifyImportOutput(stdout: string, stderr: string, code: number | null): ImportOutput {
  const result: ImportOutput = { code, noise: [], errors: [], warnings: [], lines: [] };
  result.lines = [...stdout.split('\n'), ...stderr.split('\n')]
    .map((line) => logText(stripAnsi(line)).replace(/\s+$/, ''))
    .filter((line) => line !== '');
  for (const entry of groupK3dLog(stderr)) {
    if (entry.level === 'WARN') result.warnings.push(logText(entry.text));
    if (entry.level !== 'ERRO' && entry.level !== 'FATA') continue;
    if (isDigestNoise(entry)) {
      result.noise.push({ node: NODE_FAILURE.exec(entry.text)?.[1], text: entry.text });
    } else {
      result.errors.push(logText(entry.text));
    }
  }
  return result;
}

/** Only a per-node ERRO whose whole cause is ctr's missing-digest message; a FATA never is. */
function isDigestNoise(entry: K3dLogEntry): boolean {
  return entry.level === 'ERRO' && NODE_FAILURE.test(entry.text) && DIGEST_NOT_FOUND.test(entry.text);
}

/** The import worked as far as k3d can tell: exit 0 and no error other than the digest noise. */
export function importSucceeded(output: ImportOutput): boolean {
  return output.code === 0 && output.errors.length === 0;
}

export interface ClusterNode {
  name: string;
  role: 'server' | 'agent';
  running: boolean;
}

/**
 * The server and agent nodes of `cluster` in `k3d cluster list -o json` (the nodes k3d imports into; the
 * serverlb and helper containers hold no images), in k3d's order.
 */
export function parseClusterNodes(stdout: string, cluster: string): ClusterNode[] {
  const text = stripAnsi(stdout)
    .split('\n')
    .filter((line) => parseK3dLogLine(line).level === undefined)
    .join('\n')
    .trim();
  let data: unknown;
  try {
    data = JSON.parse(text === '' ? 'null' : text);
  } catch (error) {
    throw unexpected(`output is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (data !== null && !Array.isArray(data)) {
    throw unexpected(`expected a JSON array of clusters, got ${describeJson(data)}`);
  }
  const entry = (data ?? []).find(
    (item: unknown) =>
      typeof item === 'object' && item !== null && (item as { name?: unknown }).name === cluster,
  ) as { nodes?: unknown } | undefined;
  if (!entry) return [];
  if (!Array.isArray(entry.nodes)) {
    throw unexpected(`cluster ${quote(cluster)}: "nodes" is ${describeJson(entry.nodes)}, expected an array`);
  }
  const where = `cluster ${quote(cluster)}`;
  const nodes = entry.nodes.map((node, index) => parseNode(node, index, where, []));
  const odd = nodes.find((node) => !CONTAINER_NAME.test(node.name));
  // Docker's own rule for container names; anything else could be read as a docker flag.
  if (odd) throw unexpected(`${where}: node ${quote(odd.name)} is not a docker container name`);
  return nodes.flatMap((node) =>
    node.role === 'server' || node.role === 'agent'
      ? [{ name: node.name, role: node.role, running: node.running }]
      : [],
  );
}
