// `tunnel image push`, end to end: the real CLI with a stand-in local docker (fake-docker.mjs, first on
// PATH: this machine's docker), real OpenSSH to the simulated dev server whose k3d and docker answer as
// k3d v5.9 and docker do, faults set per cluster in the world (k3d-image.mjs). What a user notices: the
// per-node report, the exit code, the image really in every node, and no temporary file left behind.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/agent/process.js';
import { spawnCli } from './cli-helpers.js';
import { IMAGE, imagePushSuite, MiB, NODES } from './image-helpers.js';

const suite = imagePushSuite();
const { newCli, cliWithDocker, push, setFaults, nodeHas, remoteTempFiles } = suite;

function tempFileIn(stdout: string): string {
  const match = /devserver:(\/tmp\/tunnel-image-\S+)/.exec(stdout);
  if (!match?.[1]) throw new Error(`no temporary file named in:\n${stdout}`);
  return match[1];
}

async function remoteExists(file: string): Promise<boolean> {
  return (await suite.remote.ssh(`test -e '${file}'`)).code === 0;
}

describe('tunnel image push', () => {
  it('uploads, imports, checks every node and removes the temporary file', async () => {
    const before = await remoteTempFiles();
    const result = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
    expect(result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `pushing myapp:1.0 (${IMAGE}) to k3d cluster my-app on devserver (2 nodes)`,
    );
    expect(result.stdout).toMatch(/uploading about 3\.0 MiB \(docker's estimate/);
    expect(result.stdout).toMatch(/^ {2}✓ k3d-my-app-server-0 +server$/m);
    expect(result.stdout).toMatch(/^ {2}✓ k3d-my-app-agent-0 +agent$/m);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    expect(result.stdout.match(/✓ k3d-my-app-server-0/g)).toHaveLength(1);
    // Not a terminal: plain progress lines on stderr, "about" the estimate.
    expect(result.stderr).toMatch(/sent [\d.]+ MiB of about 3\.0 MiB \(\d+%\)/);
    expect(result.stdout).not.toContain('harmless');
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
    expect(await remoteExists(tempFileIn(result.stdout))).toBe(false);
    expect(await remoteTempFiles()).toEqual(before);
  });

  it('--json prints the per-node result for scripts', async () => {
    const result = await push(cliWithDocker(), ['web', '--cluster', 'my-app', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      image: { name: string };
      cluster: string;
      upload: { bytes: number };
      nodes: { name: string; present: boolean; repaired: boolean }[];
      ok: boolean;
    };
    expect(report.image.name).toBe('docker.io/library/web:latest');
    expect(report.cluster).toBe('my-app');
    expect(report.upload.bytes).toBeGreaterThan(3 * MiB);
    expect(report.ok).toBe(true);
    expect(report.nodes.map((node) => [node.name, node.present, node.repaired]).sort()).toEqual([
      ['k3d-my-app-agent-0', true, false],
      ['k3d-my-app-server-0', true, false],
    ]);
    expect(await nodeHas('k3d-my-app-agent-0', 'docker.io/library/web:latest')).toBe(true);
  });

  it("collapses k3d's harmless 'content digest not found' errors, and shows them with --verbose", async () => {
    await setFaults({ digestNoise: ['server-0', 'agent-0'] });
    const quiet = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain(
      "k3d printed 2 harmless 'content digest not found' errors (k3d issue #1538) — see --verbose",
    );
    expect(quiet.stdout + quiet.stderr).not.toContain('ctr: content digest');
    expect(quiet.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);

    const verbose = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app', '--verbose']);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(
      /k3d │ ERRO\[\d{4}\] failed to import images in node 'k3d-my-app-agent-0'/,
    );
    expect(verbose.stdout).toMatch(
      /k3d │ unpacking docker\.io\/library\/myapp:1\.0 .*ctr: content digest sha256:/,
    );
    expect(verbose.stdout).toContain('k3d │ INFO[0000] Successfully imported 1 image(s) into 1 cluster(s)');
    expect(verbose.stdout).not.toContain('harmless');
  });

  it('finds the node k3d silently missed, imports there directly and says so', async () => {
    await setFaults({ silentlyMissing: ['agent-0'] });
    const result = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "k3d's import missed the image on k3d-my-app-agent-0; importing it there directly",
    );
    expect(result.stdout).toMatch(/✓ k3d-my-app-agent-0 +agent +repaired: k3d's import missed it/);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
    expect(await remoteExists(tempFileIn(result.stdout))).toBe(false);
  });

  it('exits 1 and names the node when even the direct import fails', async () => {
    await setFaults({ silentlyMissing: ['agent-0'], directImportFails: ['agent-0'] });
    const result = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server$/m);
    expect(result.stdout).toMatch(
      /✗ k3d-my-app-agent-0 +agent +also missing after a direct import: ctr: content digest/,
    );
    expect(result.stdout).toContain(`${IMAGE} is on 1 of 2 nodes of my-app`);
    expect(result.stderr).toContain('error: The image is missing on 1 node of the cluster');
    expect(await remoteExists(tempFileIn(result.stdout))).toBe(false);
  });

  it('a real k3d error is checked on the nodes: repaired there, it is a note, not a failure', async () => {
    await setFaults({ failing: ['server-0'] });
    const before = await remoteTempFiles();
    const result = await push(cliWithDocker(), ['myapp:1.0', '--cluster', 'my-app']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /k3d image import reported an error: failed to import images in node 'k3d-my-app-server-0'.*; checking every node/,
    );
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server +repaired/);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    expect(result.stdout).toMatch(
      /note: k3d's import reported an error \(failed to import images in node 'k3d-my-app-server-0'/,
    );
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
    expect(await remoteExists(tempFileIn(result.stdout))).toBe(false);
    expect(await remoteTempFiles()).toEqual(before);
  });

  it('docker save failing mid-way leaves no temporary file and no image', async () => {
    const before = await remoteTempFiles();
    const result = await push(cliWithDocker({ FAKE_DOCKER_SAVE_FAIL_AFTER: String(MiB) }), [
      'myapp:1.0',
      '--cluster',
      'my-app',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: "docker save myapp:1\.0" failed on this machine: .*unexpected EOF/);
    expect(await remoteExists(tempFileIn(result.stdout))).toBe(false);
    expect(await remoteTempFiles()).toEqual(before);
    for (const node of NODES) expect(await nodeHas(node)).toBe(false);
  });

  it('Ctrl-C during the upload stops docker save, removes the temporary file and exits 130', async () => {
    const cli = cliWithDocker({
      FAKE_DOCKER_SAVE_STALL_AFTER: String(MiB),
      FAKE_DOCKER_PID_FILE: path.join(newCli().home, 'docker-save.pid'),
    });
    const pidFile = cli.env.FAKE_DOCKER_PID_FILE!;
    const before = await remoteTempFiles();
    const { child, output } = spawnCli(cli, [
      '--ssh-config',
      suite.devserver.sshConfigFile,
      'image',
      'push',
      'devserver',
      'myapp:1.0',
      '--cluster',
      'my-app',
    ]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /sent [\d.]+ [KM]iB of about/.test(output().stderr) && fs.existsSync(pidFile));
      const file = tempFileIn(output().stdout);
      expect(await remoteExists(file)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(output().stderr).toContain('interrupted; the temporary file on devserver was removed');
      expect(await remoteExists(file)).toBe(false);
      expect(await remoteTempFiles()).toEqual(before);
      expect(isAlive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('asks which cluster when several run, listing them (exit 2)', async () => {
    const result = await push(cliWithDocker(), ['myapp:1.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: devserver runs 2 k3d clusters ("my-app", "other"); say which one gets the image.',
    );
    expect(result.stderr).toContain('hint: Add --cluster <name>, e.g. --cluster my-app');
  });

  it.each([
    ['myapp; touch /tmp/tunnel-pwned', /it contains "?;"?/],
    ['$(touch /tmp/tunnel-pwned)', /it contains "\$"/],
    ['myapp:1.0 --privileged', /it contains a space/],
    ['-rm', /starts with "-"/],
  ])('refuses the hostile image name %j before running anything (exit 2)', async (image, why) => {
    const result = await push(cliWithDocker(), ['--cluster', 'my-app', '--', image]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a valid image reference');
    expect(result.stderr).toMatch(why);
    expect(fs.existsSync('/tmp/tunnel-pwned')).toBe(false);
  });

  it('refuses a digest reference: pods need a name:tag', async () => {
    const result = await push(cliWithDocker(), [`myapp@sha256:${'ab'.repeat(32)}`, '--cluster', 'my-app']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs a name:tag');
  });

  it('says clearly when docker is missing here, the image is not here, or docker is not running', async () => {
    const noDocker = newCli();
    noDocker.env.PATH = '/usr/bin:/bin';
    const missing = await push(noDocker, ['myapp:1.0', '--cluster', 'my-app']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: docker was not found on this machine.');
    expect(missing.stderr).toContain('hint: tunnel image push runs "docker save" here');

    const noImage = await push(cliWithDocker(), ['nope:2.0', '--cluster', 'my-app']);
    expect(noImage.code).toBe(1);
    expect(noImage.stderr).toContain("error: The image nope:2.0 is not in this machine's docker.");
    expect(noImage.stderr).toContain('docker pull nope:2.0');
    expect(noImage.stderr).toContain('docker images');

    const down = await push(cliWithDocker({ FAKE_DOCKER_DAEMON_DOWN: '1' }), [
      'myapp:1.0',
      '--cluster',
      'my-app',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('error: docker on this machine is not running');
    expect(down.stderr).toContain('hint: Start Docker Desktop');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
