// `tunnel image push` against each way a real `k3d image import` fails (k3d-image-modes.mjs, shaped after
// pkg/client/tools.go): whatever k3d printed or exited with, the push ends with the image on every node,
// or with an error naming the node that still lacks it and why.
import { describe, expect, it } from 'vitest';
import type { ScenarioImageImport } from '../devserver/world.mjs';
import { IMAGE, imagePushSuite, NODES } from './image-helpers.js';

const suite = imagePushSuite();
const { cliWithDocker, push, setFaults, nodeHas, remoteTempFiles } = suite;

async function pushWithK3d(k3d: string, faults: ScenarioImageImport) {
  await suite.devserver.world.update((world) => {
    world.versions.k3d = k3d;
  });
  await setFaults(faults);
  const before = await remoteTempFiles();
  const result = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
  expect(await remoteTempFiles()).toEqual(before);
  return result;
}

describe('tunnel image push repairs what k3d image import left undone', () => {
  it('the tools node cannot start (rootless Podman): k3d exits 1, every node gets the image directly', async () => {
    const result = await pushWithK3d('v5.9.0', { toolsNodeFails: true });
    expect(result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /k3d image import reported an error: Failed to run tools container for cluster 'my-app' \(and 1 more\)/,
    );
    const missed = /k3d's import missed the image on (k3d-my-app-\S+), (k3d-my-app-\S+);/.exec(result.stdout);
    expect([missed?.[1], missed?.[2]].sort()).toEqual(['k3d-my-app-agent-0', 'k3d-my-app-server-0']);
    expect(result.stdout).toMatch(/✓ k3d-my-app-agent-0 +agent +repaired/);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    expect(result.stdout).toContain("note: k3d's import reported an error");
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
  });

  it('k3d v5.3 (auto → direct mode) fails on one node: that node is repaired', async () => {
    const result = await pushWithK3d('v5.3.0', { streamFails: ['agent-0'] });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /reported an error: Failed to import image\(s\) into cluster 'my-app': could not load image to cluster from stream .*first error: failed to import images in node 'k3d-my-app-agent-0': Exec process in node 'k3d-my-app-agent-0' failed with exit code '1'; checking/,
    );
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server$/m);
    expect(result.stdout).toMatch(/✓ k3d-my-app-agent-0 +agent +repaired/);
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
  });

  it("k3d v5.4.6 hides ctr's output: the bare exit-code ERRO is checked on the node and repaired", async () => {
    const result = await pushWithK3d('v5.4.6', { failing: ['server-0'] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "reported an error: failed to import images in node 'k3d-my-app-server-0': Exec process in node 'k3d-my-app-server-0' failed with exit code '1'; checking",
    );
    expect(result.stdout).not.toContain('no space left on device');
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server +repaired/);
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
  });

  it('an ERRO from cleanup only: every node already has the image, nothing to repair', async () => {
    const result = await pushWithK3d('v5.9.0', { cleanupFails: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("reported an error: failed to delete tools node 'k3d-my-app-tools'");
    expect(result.stdout).not.toContain('repaired');
    expect(result.stdout).not.toContain('importing it there directly');
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
  });

  it('a node the direct import cannot fix either: exit 1, naming the node and why', async () => {
    const result = await pushWithK3d('v5.9.0', { toolsNodeFails: true, directImportFails: ['agent-0'] });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server +repaired/);
    expect(result.stdout).toMatch(/✗ k3d-my-app-agent-0 +agent +also missing after a direct import: /);
    expect(result.stderr).toContain('error: The image is missing on 1 node of the cluster');
    expect(await nodeHas('k3d-my-app-agent-0')).toBe(false);
  });
});
