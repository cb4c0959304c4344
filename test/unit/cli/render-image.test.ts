import { describe, expect, it } from 'vitest';
import {
  formatSeconds,
  progressMilestone,
  renderImportError,
  renderNodes,
  renderNoiseLine,
  renderPlatform,
  renderProgressBar,
  renderProgressLine,
  renderSummary,
  renderUploaded,
} from '../../../src/cli/render-image.js';
import type { NodeResult, PushReport } from '../../../src/image/types.js';

const MiB = 1024 * 1024;

describe('upload progress', () => {
  it('draws a bar against the estimate with rate and ETA', () => {
    expect(renderProgressBar({ bytes: 10 * MiB, estimate: 40 * MiB, elapsedMs: 2000 })).toBe(
      '10.0 MiB / ~40.0 MiB [######..................]  25%  5.0 MiB/s  ETA 6s',
    );
  });

  it('does not invent an ETA before any byte moved, nor past the estimate', () => {
    expect(renderProgressBar({ bytes: 0, estimate: 40 * MiB, elapsedMs: 0 })).toBe(
      '0 B / ~40.0 MiB [........................]   0%',
    );
    expect(renderProgressBar({ bytes: 41 * MiB, estimate: 40 * MiB, elapsedMs: 4100 })).toBe(
      '41.0 MiB / ~40.0 MiB [########################] 100%  10.0 MiB/s  ETA ?',
    );
    expect(renderProgressBar({ bytes: 3 * MiB, estimate: undefined, elapsedMs: 1000 })).toBe(
      '3.0 MiB sent  3.0 MiB/s',
    );
  });

  it('plain lines say "about" and stop at 100%', () => {
    expect(renderProgressLine({ bytes: 20 * MiB, estimate: 40 * MiB, elapsedMs: 4000 })).toBe(
      'sent 20.0 MiB of about 40.0 MiB (50%), 5.0 MiB/s',
    );
    expect(renderProgressLine({ bytes: 50 * MiB, estimate: 40 * MiB, elapsedMs: 0 })).toBe(
      'sent 50.0 MiB of about 40.0 MiB (100%)',
    );
  });

  it('milestones are the quarters of the estimate, capped at 3', () => {
    expect([0, 9, 10, 20, 30, 39, 40, 90].map((mib) => progressMilestone(mib * MiB, 40 * MiB))).toEqual([
      0, 0, 1, 2, 3, 3, 3, 3,
    ]);
    expect(progressMilestone(5, undefined)).toBe(0);
  });

  it('sums up the upload', () => {
    expect(renderUploaded(45 * MiB, 5200)).toBe('uploaded 45.0 MiB in 5.2s (8.7 MiB/s)');
    expect(renderUploaded(100, 0)).toBe('uploaded 100 B in 0.0s');
    expect(formatSeconds(125_000)).toBe('2m05s');
  });
});

const node = (overrides: Partial<NodeResult>): NodeResult => ({
  name: 'k3d-my-app-server-0',
  role: 'server',
  present: true,
  repaired: false,
  error: null,
  ...overrides,
});

describe('nodes and summary', () => {
  const nodes = [
    node({}),
    node({ name: 'k3d-my-app-agent-0', role: 'agent', repaired: true }),
    node({
      name: 'k3d-my-app-agent-1',
      role: 'agent',
      present: false,
      error: 'also missing after a direct import',
    }),
  ];

  it('one line per node: ✓, repaired, ✗ with the reason', () => {
    expect(renderNodes(nodes, false).split('\n')).toEqual([
      '  ✓ k3d-my-app-server-0  server',
      "  ✓ k3d-my-app-agent-0   agent   repaired: k3d's import missed it; imported directly with ctr",
      '  ✗ k3d-my-app-agent-1   agent   also missing after a direct import',
    ]);
    expect(renderNodes([node({ name: 'evil\u001b[2Jnode' })], false)).toContain('evil\\x1b[2Jnode');
  });

  it('the noise line is dim on a terminal and points at --verbose', () => {
    expect(renderNoiseLine(2, false)).toBe(
      "k3d printed 2 harmless 'content digest not found' errors (k3d issue #1538) — see --verbose",
    );
    expect(renderNoiseLine(1, true)).toMatch(/^\u001b\[2mk3d printed 1 harmless .* error \(/);
  });

  const report = (overrides: Partial<PushReport>): PushReport => ({
    host: 'devserver',
    image: { reference: 'myapp:1.0', name: 'docker.io/library/myapp:1.0', estimatedBytes: 1 },
    cluster: 'my-app',
    platform: { image: 'linux/amd64', nodes: 'linux/amd64', sent: null, unchecked: null },
    upload: { bytes: 1, elapsedMs: 1 },
    import: { harmlessErrors: 0, warnings: [], errors: [], failed: false },
    nodes: nodes.slice(0, 2),
    ok: true,
    ...overrides,
  });

  it('says where the image is, and warns about :latest', () => {
    expect(renderSummary(report({}), false)).toBe(
      'done: docker.io/library/myapp:1.0 is on every node of my-app (2 of 2)',
    );
    expect(renderSummary(report({ nodes, ok: false }), false)).toBe(
      'docker.io/library/myapp:1.0 is on 2 of 3 nodes of my-app',
    );
    const latest = report({
      image: { reference: 'myapp', name: 'docker.io/library/myapp:latest', estimatedBytes: 1 },
    });
    expect(renderSummary(latest, false)).toMatch(/imagePullPolicy: IfNotPresent/);
  });

  it("notes k3d's error when the nodes have the image after all", () => {
    const failed = report({
      import: {
        harmlessErrors: 0,
        warnings: [],
        errors: ["Failed to run tools container for cluster 'my-app'", 'second'],
        failed: true,
      },
    });
    expect(renderSummary(failed, false).split('\n')[1]).toBe(
      "note: k3d's import reported an error (Failed to run tools container for cluster 'my-app' (and 1 more)), yet every node has the image now",
    );
    const exitOnly = report({ import: { harmlessErrors: 0, warnings: [], errors: [], failed: true } });
    expect(renderSummary(exitOnly, false)).toContain("note: k3d's import reported an error (a failed exit)");
  });
});

describe('k3d errors and platforms, as the push goes', () => {
  it("shows k3d's first error line (escaped) and that the nodes are checked next", () => {
    const output = { code: 1, noise: [], warnings: [], lines: [], errors: ['boom\u001b[31m\nsecond line'] };
    expect(renderImportError(output, false)).toBe(
      'k3d image import reported an error: boom\\x1b[31m; checking every node',
    );
    expect(renderImportError({ ...output, errors: [] }, false)).toContain('error: k3d exited with 1;');
  });

  it('says the platform matched, that one variant is sent, or why it was not checked', () => {
    expect(renderPlatform({ kind: 'platform', image: 'linux/amd64', nodes: 'linux/amd64' }, false)).toBe(
      'platform: linux/amd64, as the nodes',
    );
    expect(
      renderPlatform(
        { kind: 'platform', image: 'linux/arm64', nodes: 'linux/amd64', saving: 'linux/amd64' },
        false,
      ),
    ).toContain('so only linux/amd64 is sent');
    expect(renderPlatform({ kind: 'platform', unchecked: 'podman info failed' }, false)).toBe(
      'platform not checked: podman info failed',
    );
  });
});
