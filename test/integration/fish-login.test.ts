// sshd runs every exec request through the user's login shell. Under fish, `\'` inside single quotes is an
// escape, so POSIX quoting of a cluster name such as `a\'; touch … #` broke out and ran the touch. Real
// sshd whose user's login shell is fish (root only: sshd gets its own /etc/passwd in a mount namespace).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDevServer } from '../../src/devserver/dev-server.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { cliEnvsPerTest, runCli } from './cli-helpers.js';

function fishPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v fish && command -v unshare >/dev/null'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')[0];
  } catch {
    return undefined;
  }
}

const fish = process.getuid?.() === 0 ? fishPath() : undefined;
const marker = path.join('/tmp', `tunnel-fish-pwned-${process.pid}`);
const hostile = `a\\'; touch ${marker} #`;
let devserver: DevServer;
const newCli = cliEnvsPerTest();

describe.skipIf(fish === undefined)(
  'a dev-server user whose login shell is fish (needs root, fish and unshare)',
  () => {
    beforeAll(async () => {
      devserver = await startDevServer({
        loginShell: fish!,
        scenario: {
          clusters: [
            { name: hostile, apiPort: 16446, ports: [{ hostPort: 8082, containerPort: 30082 }] },
            { name: 'my-app', apiPort: 16443, ports: [{ hostPort: 8080, containerPort: 30080 }] },
          ],
        },
      });
    });

    afterAll(async () => {
      await devserver?.stop();
      fs.rmSync(marker, { force: true });
    });

    it('finds k3d through the login shell and lists the clusters', async () => {
      const cli = newCli();
      const result = await runCli(cli, [
        '--ssh-config',
        devserver.sshConfigFile,
        'clusters',
        'devserver',
        '--json',
      ]);
      expect(result.stderr).toBe('');
      const names = JSON.parse(result.stdout).clusters.map((cluster: { name: string }) => cluster.name);
      expect(names.sort()).toEqual([hostile, 'my-app'].sort());
    });

    it("passes a cluster name with \\' to k3d as one word: its kubeconfig is fetched, nothing else runs", async () => {
      const cli = newCli();
      const result = await runCli(cli, [
        '--ssh-config',
        devserver.sshConfigFile,
        'kubeconfig',
        'devserver',
        '--cluster',
        hostile,
      ]);
      expect(fs.existsSync(marker)).toBe(false);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('certificate-authority-data');
    });
  },
);

describe.skipIf(fish === undefined)(
  'a fish user whose config.fish puts k3d and docker on PATH and sets DOCKER_HOST for login shells (needs root, fish)',
  () => {
    const rootless = 'unix:///run/user/1000/docker.sock';
    let fishServer: DevServer;
    beforeAll(async () => {
      fishServer = await startDevServer({
        loginShell: fish!,
        scenario: {
          engineHost: rootless,
          clusters: [{ name: 'my-app', apiPort: 16443, ports: [{ hostPort: 8080, containerPort: 30080 }] }],
        },
      });
      const config = path.join(fishServer.simHome, '.config', 'fish');
      fs.mkdirSync(config, { recursive: true });
      // Only a fish login shell reads this (fish reads config.fish for every command; the block limits it
      // to login shells): bash and sh as login shells would find k3d (~/.profile) but not DOCKER_HOST.
      fs.writeFileSync(
        path.join(config, 'config.fish'),
        `if status is-login\n  set -gx PATH $HOME/.local/bin $PATH\n  set -gx DOCKER_HOST ${rootless}\nend\n`,
      );
    });

    afterAll(async () => {
      await fishServer?.stop();
    });

    it('finds k3d with fish and runs it through fish, where DOCKER_HOST reaches the engine', async () => {
      const dev = await openDevServer(
        { alias: 'devserver', sshConfigFile: fishServer.sshConfigFile, acceptNewHostKey: false },
        {},
        () => {},
      );
      try {
        expect(await dev.k3d()).toMatchObject({ foundVia: 'login shell', shell: fish });
        expect((await dev.clusters()).map((cluster) => cluster.name)).toEqual(['my-app']);
        const docker = await dev.docker();
        const version = await dev.run(docker, ['version', '--format', '{{.Server.Version}} {{.Client.Os}}']);
        expect(version).toMatchObject({ code: 0, stdout: '28.5.1 linux\n', stderr: '' });
      } finally {
        dev.close();
      }
    });
  },
);
