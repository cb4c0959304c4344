// Pure renderers for `tunnel image push`: the upload progress (a bar on a terminal, milestone lines
// otherwise), the k3d noise line, one line per node, the summary. The total is docker's size estimate,
// so the text says "about" and never promises a percentage past it.
import type { NodeResult, PushEvent, PushReport } from '../image/types.js';
import type { ImportOutput } from '../remote/k3d-import-output.js';
import { formatAge, formatBytes } from './format.js';
import { paint, safeText } from './render.js';

export interface UploadProgress {
  bytes: number;
  /** docker's estimate of the tar's size; undefined when docker gave none. */
  estimate: number | undefined;
  elapsedMs: number;
}

const BAR_WIDTH = 24;

/** Bytes per second, or undefined before there is anything to divide. */
function rate(progress: UploadProgress): number | undefined {
  return progress.elapsedMs > 0 && progress.bytes > 0
    ? (progress.bytes * 1000) / progress.elapsedMs
    : undefined;
}

/** Seconds with one decimal under a minute (`0.4s`, `12.0s`), else like status does (`3m12s`). */
export function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : formatAge(ms);
}

/** One terminal line, redrawn in place: `12.3 MiB / ~45.0 MiB [#####…] 27%  8.2 MiB/s  ETA 4s`. */
export function renderProgressBar(progress: UploadProgress): string {
  const speed = rate(progress);
  const speedText = speed === undefined ? '' : `  ${formatBytes(speed)}/s`;
  if (progress.estimate === undefined) return `${formatBytes(progress.bytes)} sent${speedText}`;
  const fraction = Math.min(1, progress.bytes / progress.estimate);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const remaining = progress.estimate - progress.bytes;
  // Past the estimate the end is near but unknown: no made-up ETA.
  const eta =
    speed === undefined
      ? ''
      : remaining > 0
        ? `  ETA ${formatAge((remaining / speed) * 1000 + 999)}`
        : '  ETA ?';
  return `${formatBytes(progress.bytes)} / ~${formatBytes(progress.estimate)} ${bar} ${percent}${speedText}${eta}`;
}

/** Which quarter of the estimate has been passed (0–3), for plain progress lines without a terminal. */
export function progressMilestone(bytes: number, estimate: number | undefined): number {
  if (estimate === undefined || estimate <= 0) return 0;
  return Math.min(3, Math.floor((bytes / estimate) * 4));
}

export function renderProgressLine(progress: UploadProgress): string {
  const speed = rate(progress);
  const speedText = speed === undefined ? '' : `, ${formatBytes(speed)}/s`;
  if (progress.estimate === undefined) return `sent ${formatBytes(progress.bytes)}${speedText}`;
  const percent = Math.min(100, Math.floor((progress.bytes / progress.estimate) * 100));
  return `sent ${formatBytes(progress.bytes)} of about ${formatBytes(progress.estimate)} (${percent}%)${speedText}`;
}

export function renderUploaded(bytes: number, elapsedMs: number): string {
  const speed = rate({ bytes, estimate: undefined, elapsedMs });
  const speedText = speed === undefined ? '' : ` (${formatBytes(speed)}/s)`;
  return `uploaded ${formatBytes(bytes)} in ${formatSeconds(elapsedMs)}${speedText}`;
}

/** The collapsed form of k3d's known-harmless ctr errors (the full text is shown with --verbose). */
export function renderNoiseLine(count: number, color: boolean): string {
  const errors = count === 1 ? 'error' : 'errors';
  return paint(
    color,
    '2',
    `k3d printed ${count} harmless 'content digest not found' ${errors} (k3d issue #1538) — see --verbose`,
  );
}

export function renderNodeLine(result: NodeResult, width: number, color: boolean): string {
  const name = safeText(result.name).padEnd(width);
  const role = result.role.padEnd(6);
  if (result.present && !result.repaired) return `  ${paint(color, '32', '✓')} ${name}  ${role}`.trimEnd();
  if (result.present) {
    const note = "repaired: k3d's import missed it; imported directly with ctr";
    return `  ${paint(color, '32', '✓')} ${name}  ${role}  ${paint(color, '33', note)}`;
  }
  const why = safeText(result.error ?? 'missing');
  return `  ${paint(color, '31', '✗')} ${name}  ${role}  ${paint(color, '31', why)}`;
}

export function renderNodes(results: readonly NodeResult[], color: boolean): string {
  const width = Math.max(...results.map((result) => safeText(result.name).length));
  return results.map((result) => renderNodeLine(result, width, color)).join('\n');
}

/** k3d's own failure in one line: the first line of its first error, or its exit status. */
function importErrorText(errors: string[], fallback: string): string {
  const first = errors[0]?.split('\n')[0];
  if (first === undefined) return fallback;
  return `${safeText(first)}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

export function renderImportError(output: ImportOutput, color: boolean): string {
  const code = output.code;
  const what = importErrorText(output.errors, code === null ? 'k3d was killed' : `k3d exited with ${code}`);
  return paint(color, '33', `k3d image import reported an error: ${what}; checking every node`);
}

/** The platform check's outcome, before the upload. */
export function renderPlatform(event: Extract<PushEvent, { kind: 'platform' }>, color: boolean): string {
  if (event.unchecked !== undefined) {
    return paint(color, '33', `platform not checked: ${safeText(event.unchecked)}`);
  }
  const nodes = safeText(event.nodes ?? '');
  if (event.saving !== undefined) {
    return `platform: the nodes run ${nodes}; the image holds it among others (${safeText(event.image ?? '')} first), so only ${nodes} is sent`;
  }
  return `platform: ${safeText(event.image ?? '')}, as the nodes`;
}

export function renderSummary(report: PushReport, color: boolean): string {
  const have = report.nodes.filter((node) => node.present).length;
  const cluster = safeText(report.cluster);
  if (!report.ok) {
    return paint(
      color,
      '31',
      `${report.image.name} is on ${have} of ${report.nodes.length} nodes of ${cluster}`,
    );
  }
  const lines = [
    `done: ${report.image.name} is on every node of ${cluster} (${have} of ${report.nodes.length})`,
  ];
  if (report.import.failed) {
    // The node checks overruled k3d; say so, or a user reading k3d's ERRO in --verbose wonders.
    const what = importErrorText(report.import.errors, 'a failed exit');
    lines.push(
      paint(color, '33', `note: k3d's import reported an error (${what}), yet every node has the image now`),
    );
  }
  // The kubelet pulls :latest by default (imagePullPolicy Always), which would bypass the import.
  if (report.image.name.endsWith(':latest')) {
    lines.push(
      paint(
        color,
        '33',
        'note: the tag is "latest", so Kubernetes pulls it from a registry unless the pod says ' +
          'imagePullPolicy: IfNotPresent (or Never); a versioned tag avoids that',
      ),
    );
  }
  return lines.join('\n');
}
