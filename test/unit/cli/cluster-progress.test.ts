import { describe, expect, it } from 'vitest';
import { clusterEventRenderer, createProgress } from '../../../src/cli/cluster/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, columns: 60, written, write: (text: string) => written.push(text) };
}

describe('createProgress', () => {
  it('without a terminal: one plain line per k3d step, nothing else', () => {
    const out = stream(false);
    const progress = createProgress(out);
    progress.show('Prep: Network');
    progress.show("Cluster 'shop\u001b]0;x' created successfully!");
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
    progress.show("Starting node 'k3d-shop-server-0'");
    progress.stop();
    expect(out.written.at(-2)).toMatch(/^\r\u001b\[2K. Starting node 'k3d-shop-server-0'$/);
    expect(out.written.at(-1)).toBe('\r\u001b[2K');
  });
});

describe('clusterEventRenderer', () => {
  it("shows warnings, k3d's steps and the entries a delete left, in order", () => {
    const out = stream(false);
    const render = clusterEventRenderer(out);
    render({ kind: 'warning', message: 'port 8080 is also published by the stopped cluster "old"' });
    render({ kind: 'k3d-started', command: 'create' });
    render({ kind: 'k3d-progress', message: 'Prep: Network' });
    render({ kind: 'k3d-finished' });
    render({ kind: 'context-kept', entry: 'user admin@x', file: '/home/me/.kube/config' });
    expect(out.written).toEqual([
      'warning: port 8080 is also published by the stopped cluster "old"\n',
      'k3d: Prep: Network\n',
      'note: left user admin@x in /home/me/.kube/config: tunnel did not write it\n',
    ]);
  });

  it('stops the spinner when k3d ends, so the next line starts clean', () => {
    const out = stream(true);
    const render = clusterEventRenderer(out);
    render({ kind: 'k3d-started', command: 'delete' });
    render({ kind: 'k3d-finished' });
    render({ kind: 'warning', message: 'context x not removed' });
    expect(out.written.at(-2)).toBe('\r\u001b[2K');
    expect(out.written.at(-1)).toBe('warning: context x not removed\n');
  });
});
