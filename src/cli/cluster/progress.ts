// What `tunnel cluster create/delete` show while they work (cluster/'s events), on stderr: warnings and
// notes as lines, and k3d's progress as a spinner with the current step on a terminal, plain `k3d: …`
// lines otherwise (logs, CI). Only k3d's INFO/WARN steps arrive; its errors come back as the command's
// error. Cluster names inside k3d's words are escaped (safeText) once more here, the last guard.
import type { ClusterEvent } from '../../cluster/types.js';
import { safeText } from '../render.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

export interface Progress {
  /** One step k3d reported. */
  show(message: string): void;
  /** Stops the spinner and clears its line. */
  stop(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export function createProgress(stream: ProgressStream = process.stderr, enabled = true): Progress {
  if (!enabled) return { show: () => {}, stop: () => {} };
  if (!stream.isTTY) {
    return {
      show: (message) => {
        stream.write(`k3d: ${safeText(message)}\n`);
      },
      stop: () => {},
    };
  }
  return spinner(stream);
}

function spinner(stream: ProgressStream): Progress {
  let frame = 0;
  let text = 'starting k3d…';
  let stopped = false;
  const draw = () => {
    const width = Math.max(20, (stream.columns ?? 80) - 3);
    const shown = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    stream.write(`\r\x1b[2K${FRAMES[frame % FRAMES.length]} ${shown}`);
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, FRAME_MS);
  timer.unref();
  draw();
  return {
    show: (message) => {
      if (stopped) return;
      text = safeText(message);
      draw();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}

/** Renders cluster/'s events on `stream` as they come. */
export function clusterEventRenderer(stream: ProgressStream = process.stderr): (event: ClusterEvent) => void {
  let progress: Progress | undefined;
  return (event) => {
    if (event.kind === 'warning') stream.write(`warning: ${safeText(event.message)}\n`);
    else if (event.kind === 'k3d-started') progress = createProgress(stream);
    else if (event.kind === 'k3d-progress') progress?.show(event.message);
    else if (event.kind === 'k3d-finished') progress?.stop();
    else stream.write(`note: left ${safeText(event.entry)} in ${event.file}: tunnel did not write it\n`);
  };
}
