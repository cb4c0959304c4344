import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/cluster/progress.js';

const info = (message: string) => `\u001b[36mINFO\u001b[0m[0000] ${message.padEnd(44)} `;

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, columns: 60, written, write: (text: string) => written.push(text) };
}

describe('createProgress', () => {
  it('without a terminal: one plain line per k3d step, nothing else', () => {
    const out = stream(false);
    const progress = createProgress(out);
    progress.line(info('Prep: Network'));
    progress.line('kubectl cluster-info');
    progress.line(info("Cluster 'shop\u001b]0;x' created successfully!"));
    progress.stop();
    expect(out.written).toHaveLength(2);
    expect(out.written[0]).toBe('k3d: Prep: Network\n');
    // A control sequence in k3d's output never reaches the terminal.
    expect(out.written[1]).toMatch(/^k3d: Cluster 'shop.*' created successfully!\n$/);
    expect(out.written[1]).not.toContain('\u001b');
  });

  it('on a terminal: a spinner line showing the current step, cleared at the end', () => {
    const out = stream(true);
    const progress = createProgress(out);
    progress.line(info("Starting node 'k3d-shop-server-0'"));
    progress.stop();
    expect(out.written.at(-2)).toMatch(/^\r\u001b\[2K. Starting node 'k3d-shop-server-0'$/);
    expect(out.written.at(-1)).toBe('\r\u001b[2K');
  });
});
