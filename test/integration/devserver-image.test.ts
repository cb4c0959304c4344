// Validates the SIMULATOR's image side (k3d-image.mjs, docker-exec.mjs) with real OpenSSH only — no project
// code: `k3d image import` of a tar as k3d v5.9 prints it (INFO on stdout, ERRO on stderr, exit 0 even when a
// node failed), and the node image store seen through `docker exec <node> crictl|ctr`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';

const FAKE_DOCKER = fileURLToPath(new URL('./fake-docker.mjs', import.meta.url));
// logrus text: ESC[<colour>m LEVEL ESC[0m [SSSS] message…
const level = (name: string) => new RegExp(`^\\u001b\\[\\d+m${name}\\u001b\\[0m\\[\\d{4}\\] `, 'm');

let dev: DevServer;
let client: DevServerClient;
let tar: string;
const login = (command: string) => client.login(command);

beforeAll(async () => {
  dev = await startDevServer({ scenario: 'two-clusters.json' });
  client = devServerClient(dev);
  // A real `docker save` archive in the dev-server user's home (the test's stand-in docker made it).
  tar = path.join(dev.simHome, 'myapp.tar');
  fs.writeFileSync(
    tar,
    execFileSync(process.execPath, [FAKE_DOCKER, 'save', 'myapp:1.0'], {
      env: { ...process.env, FAKE_DOCKER_IMAGES: 'myapp:1.0', FAKE_DOCKER_LAYER_BYTES: '4096' },
    }),
  );
});

afterAll(async () => {
  client?.closeAll();
  await dev?.stop();
});

beforeEach(async () => {
  await dev.world.load('two-clusters.json');
});

const crictlTags = async (node: string): Promise<string[]> => {
  const result = await login(`docker exec ${node} crictl images -o json`);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { images: { repoTags: string[] }[] }).images.flatMap(
    (i) => i.repoTags,
  );
};

describe('simulated k3d image import', () => {
  it('imports a tar into every server and agent, INFO on stdout, exit 0', async () => {
    const result = await login('k3d image import ~/myapp.tar -c my-app');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(level('INFO'));
    expect(result.stdout).toContain('Saving 1 tarball(s) to shared image volume...');
    expect(result.stdout).toMatch(
      /Importing images from tarball '\/k3d\/images\/k3d-my-app-images-\d{14}-file-myapp\.tar' into node 'k3d-my-app-agent-0'\.\.\./,
    );
    expect(result.stdout).toContain('Successfully imported 1 image(s) into 1 cluster(s)');
    for (const node of ['k3d-my-app-server-0', 'k3d-my-app-agent-0']) {
      expect(await crictlTags(node)).toContain('docker.io/library/myapp:1.0');
    }
    expect(await crictlTags('k3d-other-server-0')).not.toContain('docker.io/library/myapp:1.0');
  });

  it('prints the #1538 digest ERRO on stderr and still exits 0; a silent miss prints nothing', async () => {
    await dev.world.update((world) => {
      world.clusters[0]!.spec.imageImport = { digestNoise: ['server-0'], silentlyMissing: ['agent-0'] };
    });
    const result = await login('k3d image import ~/myapp.tar -c my-app');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(level('ERRO'));
    expect(result.stderr).toMatch(
      /failed to import images in node 'k3d-my-app-server-0': Exec process in node 'k3d-my-app-server-0' failed with exit code '1': Logs from failed access process:\nunpacking docker\.io\/library\/myapp:1\.0 \(sha256:[0-9a-f]{64}\)\.\.\.ctr: content digest sha256:[0-9a-f]{64}: not found/,
    );
    expect(result.stderr).not.toContain('agent-0');
    expect(result.stdout).toContain('Successfully imported image(s)');
    expect(await crictlTags('k3d-my-app-server-0')).toContain('docker.io/library/myapp:1.0');
    expect(await crictlTags('k3d-my-app-agent-0')).not.toContain('docker.io/library/myapp:1.0');

    const direct = await login(
      'docker exec -i k3d-my-app-agent-0 ctr -n k8s.io images import - < ~/myapp.tar',
    );
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(
      /^unpacking docker\.io\/library\/myapp:1\.0 \(sha256:[0-9a-f]{64}\)\.\.\.done$/m,
    );
    expect(await crictlTags('k3d-my-app-agent-0')).toContain('docker.io/library/myapp:1.0');
    expect((await login('docker exec k3d-my-app-agent-0 ctr images ls -q')).stdout).toContain(
      'docker.io/library/myapp:1.0\n',
    );
  });

  it('fails by release and engine as k3d does: tools node, cleanup, v5.3 direct mode, v5.4.6 hidden logs', async () => {
    await dev.world.update((world) => {
      world.clusters[0]!.spec.imageImport = { toolsNodeFails: true };
    });
    const tools = await login('k3d image import ~/myapp.tar -c my-app');
    expect(tools.code).toBe(1);
    expect(tools.stderr).toMatch(/ERRO.*Failed to run tools container for cluster 'my-app'/);
    expect(tools.stderr).toContain('statfs /var/run/docker.sock: no such file or directory');
    expect(tools.stderr).toMatch(/WARN.*At least one error occured/);
    expect(await crictlTags('k3d-my-app-server-0')).not.toContain('docker.io/library/myapp:1.0');

    await dev.world.update((world) => {
      world.clusters[0]!.spec.imageImport = { cleanupFails: true };
    });
    const cleanup = await login('k3d image import ~/myapp.tar -c my-app');
    expect(cleanup.code).toBe(0);
    expect(cleanup.stderr).toMatch(/ERRO.*failed to delete tools node 'k3d-my-app-tools'/);
    expect(await crictlTags('k3d-my-app-agent-0')).toContain('docker.io/library/myapp:1.0');

    await dev.world.load('two-clusters.json');
    await dev.world.update((world) => {
      world.versions.k3d = 'v5.3.0';
      world.clusters[0]!.spec.imageImport = { streamFails: ['agent-0'], digestNoise: ['server-0'] };
    });
    const direct = await login('k3d image import ~/myapp.tar -c my-app');
    expect(direct.code).toBe(1);
    expect(direct.stdout).toContain('Importing images from 1 tarball(s)...');
    expect(direct.stdout).not.toContain('tools node');
    expect(direct.stderr).toMatch(
      /first error: failed to import images in node 'k3d-my-app-agent-0': Exec process in node 'k3d-my-app-agent-0' failed with exit code '1' *$/m,
    );
    // No --all-platforms before v5.4.8: no digest noise; the server got the image.
    expect(direct.stderr).not.toContain('content digest');
    expect(await crictlTags('k3d-my-app-server-0')).toContain('docker.io/library/myapp:1.0');
    expect(await crictlTags('k3d-my-app-agent-0')).not.toContain('docker.io/library/myapp:1.0');

    await dev.world.update((world) => {
      world.versions.k3d = 'v5.4.6';
      world.clusters[0]!.spec.imageImport = { failing: ['agent-0'] };
    });
    const hidden = await login('k3d image import ~/myapp.tar -c my-app');
    expect(hidden.code).toBe(0);
    expect(hidden.stderr).toMatch(
      /failed to import images in node 'k3d-my-app-agent-0': Exec process in node 'k3d-my-app-agent-0' failed with exit code '1' *$/m,
    );
    expect(hidden.stderr).not.toContain('no space left');
  });

  it('fails like k3d for a missing file, an unknown cluster and a bad mode', async () => {
    const missing = await login('k3d image import /tmp/no-such.tar -c my-app');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/WARN.*Image '\/tmp\/no-such\.tar' is not a file and couldn't be found/);
    expect(missing.stderr).toMatch(
      /ERRO.*Failed to import image\(s\) into cluster 'my-app': no valid images specified/,
    );
    const unknown = await login('k3d image import ~/myapp.tar -c nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/FATA.*failed to get cluster nope: No nodes found for given cluster/);
    const mode = await login('k3d image import ~/myapp.tar -c my-app --mode tools');
    expect(mode.code).toBe(1);
    expect(mode.stderr).toMatch(/FATA.*Unknown image loading mode 'tools'/);
  });

  it('docker exec answers like docker for a missing container, a stopped one and a missing binary', async () => {
    const none = await login('docker exec k3d-nope-server-0 crictl images');
    expect(none).toMatchObject({
      code: 1,
      stderr: 'Error response from daemon: No such container: k3d-nope-server-0\n',
    });
    const lb = await login('docker exec k3d-my-app-serverlb crictl images');
    expect(lb.code).toBe(127);
    expect(lb.stderr).toContain('exec: "crictl": executable file not found in $PATH');
    await dev.world.setRunning('my-app', false);
    const stopped = await login('docker exec k3d-my-app-server-0 crictl images');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^Error response from daemon: container [0-9a-f]{64} is not running\n$/);
  });
});
