// k3d's progress while `tunnel cluster create/delete` waits for it, on stderr: a spinner with the current
// step on a terminal, plain `k3d: …` lines otherwise (logs, CI). Only k3d's INFO/WARN lines are shown;
// its errors come back as the command's error. Cluster names inside k3d's words are escaped (safeText).
import { progressMessage } from '../../remote/k3d-outcome.js';
import { safeText } from '../render.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

export interface Progress {
  /** One raw output line of k3d. */
  line(raw: string): void;
  /** Stops the spinner and clears its line. */
  stop(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export function createProgress(stream: ProgressStream = process.stderr, enabled = true): Progress {
  if (!enabled) return { line: () => {}, stop: () => {} };
  if (!stream.isTTY) {
    return {
      line: (raw) => {
        const message = progressMessage(raw);
        if (message !== undefined) stream.write(`k3d: ${safeText(message)}\n`);
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
    line: (raw) => {
      const message = progressMessage(raw);
      if (message === undefined || stopped) return;
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
