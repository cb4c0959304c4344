// What `tunnel image push` shows while it works: steps on stdout (none with --json), the upload progress
// on stderr (a bar redrawn in place on a terminal, a line per quarter otherwise), k3d's output collapsed
// or, with --verbose, in full. Rendering is in render-image.ts; this file only decides when to write.
import type { Writable } from 'node:stream';
import type { PushEvent, PushReport } from '../image/types.js';
import type { ClusterNode, ImportOutput } from '../remote/k3d-import-output.js';
import { formatBytes } from './format.js';
import { safeText } from './render.js';
import {
  progressMilestone,
  renderImportError,
  renderNodes,
  renderNoiseLine,
  renderPlatform,
  renderProgressBar,
  renderProgressLine,
  renderSummary,
  renderUploaded,
} from './render-image.js';

export interface PushOutputOptions {
  host: string;
  image: { input: string; normalized: string };
  estimatedBytes: number | undefined;
  json: boolean;
  verbose: boolean;
  color: boolean;
  /** stderr is a terminal: draw the bar. */
  progressBar: boolean;
  stdout: Writable;
  stderr: Writable;
  now: () => number;
}

// A redraw costs a terminal write; ten a second reads as smooth.
const REDRAW_MS = 100;
const dim = (on: boolean, text: string) => (on ? `\x1b[2m${text}\x1b[0m` : text);

export class PushOutput {
  /** When the first byte went out: docker save takes a while to start, which is not upload time. */
  private firstByteAt: number | undefined;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private milestone = 0;
  private barShown = false;

  constructor(private readonly options: PushOutputOptions) {}

  handle(event: PushEvent): void {
    if (event.kind === 'progress') {
      this.progress(event.bytes);
      return;
    }
    this.clearBar();
    if (event.kind === 'target') this.target(event.cluster, event.nodes, event.file);
    else if (event.kind === 'uploaded') this.say(renderUploaded(event.bytes, event.elapsedMs));
    else if (event.kind === 'imported') this.imported(event.output);
    else if (event.kind === 'repairing') this.repairing(event.nodes);
    else if (event.kind === 'platform') this.say(renderPlatform(event, this.options.color));
    else if (event.kind === 'verified') this.say(renderNodes(event.results, this.options.color));
    else if (event.kind === 'removed') {
      this.say(dim(this.options.color, `removed the temporary file ${event.file} on ${this.options.host}`));
    } else if (event.kind === 'cleanup-failed') {
      // stderr even with --json: the user has a file to delete by hand.
      this.options.stderr.write(
        `warning: could not remove ${event.file} on ${this.options.host} (${safeText(event.error)}); ` +
          `remove it with: ssh ${this.options.host} rm -f ${event.file}\n`,
      );
    }
  }

  report(report: PushReport): void {
    this.clearBar();
    if (this.options.json) {
      this.options.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    this.say(renderSummary(report, this.options.color));
  }

  private say(text: string): void {
    if (!this.options.json) this.options.stdout.write(`${text}\n`);
  }

  private target(cluster: string, nodes: ClusterNode[], file: string): void {
    const { image, host, estimatedBytes } = this.options;
    const count = nodes.length === 1 ? '1 node' : `${nodes.length} nodes`;
    this.say(
      `pushing ${image.input} (${image.normalized}) to k3d cluster ${safeText(cluster)} on ${host} (${count})`,
    );
    const size = estimatedBytes === undefined ? 'size unknown' : `about ${formatBytes(estimatedBytes)}`;
    this.say(`uploading ${size} (docker's estimate; the saved tar differs a little) to ${host}:${file}`);
  }

  private progress(bytes: number): void {
    const now = this.options.now();
    this.firstByteAt ??= now;
    const progress = { bytes, estimate: this.options.estimatedBytes, elapsedMs: now - this.firstByteAt };
    if (this.options.progressBar) {
      if (now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      this.barShown = true;
      this.options.stderr.write(`\r\x1b[K${renderProgressBar(progress)}`);
      return;
    }
    const reached = progressMilestone(bytes, this.options.estimatedBytes);
    if (reached <= this.milestone) return;
    this.milestone = reached;
    this.options.stderr.write(`${renderProgressLine(progress)}\n`);
  }

  private clearBar(): void {
    if (!this.barShown) return;
    this.barShown = false;
    this.options.stderr.write('\r\x1b[K');
  }

  private imported(output: ImportOutput): void {
    if (this.options.verbose && !this.options.json) {
      for (const line of output.lines) this.say(dim(this.options.color, `  k3d │ ${safeText(line)}`));
    } else if (output.noise.length > 0) {
      this.say(renderNoiseLine(output.noise.length, this.options.color));
    }
    if (!this.options.verbose) {
      for (const warning of output.warnings)
        this.say(`k3d warned: ${safeText(warning.split('\n')[0] ?? '')}`);
    }
    if (output.code === 0 && output.errors.length === 0) {
      this.say('k3d image import finished; checking every node');
      return;
    }
    this.say(renderImportError(output, this.options.color));
  }

  private repairing(nodes: string[]): void {
    const list = nodes.map(safeText).join(', ');
    this.say(
      `k3d's import missed the image on ${list}; importing it there directly ` +
        '(docker exec -i <node> ctr -n k8s.io images import -, without --all-platforms)',
    );
  }
}
