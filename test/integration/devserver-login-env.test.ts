// A dev server whose docker engine is only reachable the way the user's ~/.profile says (rootless docker:
// DOCKER_HOST=unix:///run/user/1000/docker.sock), with k3d and docker only on the login shell's PATH. The
// dev-server handle finds both through the login shell and runs them through it, so k3d and docker reach the
// engine; run without the profile (what `ssh host /path/to/k3d` does) they dial the default socket and fail,
// as the real CLIs do. An image tar reaches docker, not the profile. The same with k3d and docker on the plain
// SSH PATH (a system-wide install). Real sshd and ssh; k3d and docker are the simulator's.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDevServer } from '../../src/devserver/dev-server.js';
import { checkNodeImage, importIntoNode } from '../../src/remote/node-images.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { cliEnvsPerTest, runCli } from './cli-helpers.js';

const ROOTLESS = 'unix:///run/user/1000/docker.sock';
const FAKE_DOCKER = fileURLToPath(new URL('./fake-docker.mjs', import.meta.url));
let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({
    scenario: {
      engineHost: ROOTLESS,
      clusters: [{ name: 'my-app', apiPort: 16443, ports: [{ hostPort: 8080, containerPort: 30080 }] }],
    },
  });
  fs.appendFileSync(path.join(devserver.simHome, '.profile'), `export DOCKER_HOST=${ROOTLESS}\n`);
});

afterAll(async () => {
  await devserver?.stop();
});

const open = () =>
  openDevServer(
    { alias: 'devserver', sshConfigFile: devserver.sshConfigFile, acceptNewHostKey: false },
    {},
    () => {},
  );

describe('k3d and docker set up by the login profile (DOCKER_HOST in ~/.profile)', () => {
  it('finds both through the login shell and runs them there, where DOCKER_HOST reaches the engine', async () => {
    const dev = await open();
    try {
      const k3d = await dev.k3d();
      const bin = path.join(devserver.simHome, '.local', 'bin');
      expect(k3d).toMatchObject({
        path: path.join(bin, 'k3d'),
        foundVia: 'login shell',
        k3dVersion: 'v5.9.0',
      });
      expect((await dev.clusters()).map((cluster) => cluster.name)).toEqual(['my-app']);
      const docker = await dev.docker();
      expect(docker).toMatchObject({ path: path.join(bin, 'docker'), foundVia: 'login shell' });
      const version = await dev.run(docker, ['version', '--format', '{{.Server.Version}}']);
      expect(version).toMatchObject({ code: 0, stdout: '28.5.1\n', stderr: '' });
      // The same k3d run without the login environment dials the default socket: the engine is not there.
      const bare = await dev.ssh.exec([k3d.path, 'cluster', 'list']);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain('Cannot connect to the Docker daemon at unix:///var/run/docker.sock');
    } finally {
      dev.close();
    }
  });

  it('imports an image tar through the login shell even when the profile reads stdin (the tar is not its stdin)', async () => {
    const profile = path.join(devserver.simHome, '.profile');
    const before = fs.readFileSync(profile, 'utf8');
    // A profile that reads a line from stdin (as some prompts do): it must get the session's empty stdin.
    fs.writeFileSync(profile, `${before}read -r tunnel_first_line || true\n`);
    const tar = path.join(devserver.simHome, 'myapp.tar');
    fs.writeFileSync(
      tar,
      execFileSync(process.execPath, [FAKE_DOCKER, 'save', 'myapp:1.0'], {
        env: { ...process.env, FAKE_DOCKER_IMAGES: 'myapp:1.0', FAKE_DOCKER_LAYER_BYTES: '4096' },
      }),
    );
    const dev = await open();
    try {
      const docker = await dev.docker();
      expect(docker.shell).toBeDefined();
      const node = 'k3d-my-app-server-0';
      expect(await importIntoNode(dev.ssh, { docker, node, file: tar })).toBeUndefined();
      const image = 'docker.io/library/myapp:1.0';
      expect(await checkNodeImage(dev.ssh, { docker, node, image })).toEqual({
        present: true,
        error: undefined,
      });
    } finally {
      dev.close();
      fs.writeFileSync(profile, before);
      fs.rmSync(tar, { force: true });
    }
  });

  it('tunnel clusters lists the clusters and shows where k3d is, not the shell around it', async () => {
    const result = await runCli(newCli(), [
      '--ssh-config',
      devserver.sshConfigFile,
      'clusters',
      'devserver',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout);
    expect(out.k3d.path).toBe(path.join(devserver.simHome, '.local', 'bin', 'k3d'));
    expect(out.clusters.map((cluster: { name: string }) => cluster.name)).toEqual(['my-app']);
  });

  it('tunnel doctor finds the engine up through the same docker, and says k3d runs through the login shell', async () => {
    const result = await runCli(newCli(), [
      '--ssh-config',
      devserver.sshConfigFile,
      'doctor',
      'devserver',
      '--json',
    ]);
    const checks = JSON.parse(result.stdout).checks as { id: string; status: string; detail: string }[];
    const check = (id: string) => checks.find((entry) => entry.id === id);
    expect(check('docker')).toMatchObject({ status: 'pass', detail: 'Docker Engine 28.5.1 is running' });
    expect(check('k3d')?.status).toBe('pass');
    expect(check('k3d')?.detail).toContain(
      `${path.join(devserver.simHome, '.local', 'bin', 'k3d')}, found by the login shell`,
    );
    expect(check('clusters')?.status).toBe('pass');
  });

  it('tunnel cluster create and delete run k3d through the login shell too, so they reach the same engine', async () => {
    const cli = newCli();
    const tunnel = (args: string[]) => runCli(cli, ['--ssh-config', devserver.sshConfigFile, ...args]);
    const names = async () =>
      JSON.parse((await tunnel(['clusters', 'devserver', '--json'])).stdout).clusters.map(
        (cluster: { name: string }) => cluster.name,
      );
    const created = await tunnel(['cluster', 'create', 'devserver', 'blue']);
    expect(created.stderr).not.toMatch(/error:|Cannot connect to the Docker daemon/);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/created cluster blue on devserver/);
    expect(await names()).toEqual(['blue', 'my-app']);
    const deleted = await tunnel(['cluster', 'delete', 'devserver', 'blue']);
    expect(deleted.stderr).not.toMatch(/error:|docker is not running/);
    expect(deleted.code).toBe(0);
    expect(await names()).toEqual(['my-app']);
  });

  it('a docker context chosen in ~/.profile (DOCKER_CONTEXT) applies to k3d and docker the same way', async () => {
    const profile = path.join(devserver.simHome, '.profile');
    const before = fs.readFileSync(profile, 'utf8');
    // The docker CLI's context store: meta/<sha256 of the name>/meta.json (what `docker context create` writes).
    const meta = path.join(devserver.simHome, '.docker', 'contexts', 'meta');
    const id = crypto.createHash('sha256').update('rootless').digest('hex');
    fs.mkdirSync(path.join(meta, id), { recursive: true });
    fs.writeFileSync(
      path.join(meta, id, 'meta.json'),
      JSON.stringify({
        Name: 'rootless',
        Metadata: {},
        Endpoints: { docker: { Host: ROOTLESS, SkipTLSVerify: false } },
      }),
    );
    fs.writeFileSync(
      profile,
      before.replace(`export DOCKER_HOST=${ROOTLESS}`, 'export DOCKER_CONTEXT=rootless'),
    );
    const dev = await open();
    try {
      expect((await dev.clusters()).map((cluster) => cluster.name)).toEqual(['my-app']);
      const version = await dev.run(await dev.docker(), ['version', '--format', '{{.Server.Version}}']);
      expect(version).toMatchObject({ code: 0, stdout: '28.5.1\n' });
    } finally {
      dev.close();
      fs.writeFileSync(profile, before);
      fs.rmSync(path.join(devserver.simHome, '.docker'), { recursive: true, force: true });
    }
  });
});

// The usual rootless-docker host: k3d and docker installed system-wide (on the plain SSH PATH), and only
// DOCKER_HOST set in ~/.profile. Found on the PATH, they still run through the login shell, so they reach
// the engine the profile names.
describe('k3d and docker on the plain SSH PATH, DOCKER_HOST only in ~/.profile', () => {
  let onPath: DevServer;

  beforeAll(async () => {
    onPath = await startDevServer({
      scenario: {
        engineHost: ROOTLESS,
        clusters: [{ name: 'my-app', apiPort: 16443, ports: [{ hostPort: 8080, containerPort: 30080 }] }],
      },
      toolsOnSessionPath: true,
    });
    fs.appendFileSync(path.join(onPath.simHome, '.profile'), `export DOCKER_HOST=${ROOTLESS}\n`);
  });

  afterAll(async () => {
    await onPath?.stop();
  });

  it('finds both on the PATH and runs them through the login shell, where DOCKER_HOST reaches the engine', async () => {
    const dev = await openDevServer(
      { alias: 'devserver', sshConfigFile: onPath.sshConfigFile, acceptNewHostKey: false },
      {},
      () => {},
    );
    try {
      const bin = path.join(onPath.simHome, '.local', 'bin');
      const k3d = await dev.k3d();
      expect(k3d).toMatchObject({ path: path.join(bin, 'k3d'), foundVia: 'PATH', k3dVersion: 'v5.9.0' });
      expect(k3d.shell).toMatch(/^\//);
      expect((await dev.clusters()).map((cluster) => cluster.name)).toEqual(['my-app']);
      const docker = await dev.docker();
      expect(docker).toMatchObject({ path: path.join(bin, 'docker'), foundVia: 'PATH' });
      const version = await dev.run(docker, ['version', '--format', '{{.Server.Version}}']);
      expect(version).toMatchObject({ code: 0, stdout: '28.5.1\n', stderr: '' });
      // `ssh host docker version` (no profile) dials the default socket, where no engine listens.
      const bare = await dev.ssh.exec(['docker', 'version', '--format', '{{.Server.Version}}']);
      expect(bare.code).not.toBe(0);
    } finally {
      dev.close();
    }
  });

  it('tunnel doctor finds the engine up and says k3d on the PATH runs through the login shell', async () => {
    const result = await runCli(newCli(), [
      '--ssh-config',
      onPath.sshConfigFile,
      'doctor',
      'devserver',
      '--json',
    ]);
    const checks = JSON.parse(result.stdout).checks as { id: string; status: string; detail: string }[];
    const check = (id: string) => checks.find((entry) => entry.id === id);
    expect(check('docker')).toMatchObject({ status: 'pass', detail: 'Docker Engine 28.5.1 is running' });
    expect(check('k3d')?.detail).toContain(
      `${path.join(onPath.simHome, '.local', 'bin', 'k3d')}, on the SSH session's PATH; run through the login shell`,
    );
    expect(check('clusters')?.status).toBe('pass');
  });
});
