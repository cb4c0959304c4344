// A docker engine on another host (issue 13 item 4): the user's ~/.profile sets DOCKER_HOST=tcp://<engine>:2375,
// so k3d created the clusters there: their ports listen on the engine's host (10.231.<n>.3 inside the dev
// server's namespace), not on the dev server's 127.0.0.1, and k3d's kubeconfig names that host (its
// GetHost). tunnel must forward to the engine host through the SSH connection, kubectl must verify TLS, and
// status/doctor must say where the clusters run. Root only (a namespace with a second address).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, type Scenario, startDevServer } from '../devserver/index.js';
import { isRoot } from '../devserver/netns.js';
import { schemaErrors, statusSchema } from '../schema.js';
import { cliEnvsPerTest, curl, kubectlGetPods, run, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();
const SCENARIO: Scenario = {
  clusters: [
    {
      name: 'my-app',
      apiPort: 16443,
      ports: [{ hostPort: 8080, containerPort: 30080 }],
      services: [{ namespace: 'default', name: 'web', type: 'NodePort', port: 8080, nodePort: 30080 }],
    },
  ],
};

interface ForwardJson {
  kind: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

describe.skipIf(!isRoot())('a docker engine on another host (DOCKER_HOST=tcp://… in ~/.profile)', () => {
  beforeAll(async () => {
    devserver = await startDevServer({ scenario: SCENARIO, remoteEngine: true });
  });

  afterAll(async () => {
    await devserver?.stop();
  });

  const engine = () => devserver.engineAddress ?? '';
  const inNamespace = (command: string, args: string[]) =>
    run('ip', ['netns', 'exec', devserver.netns?.name ?? '', command, ...args]);

  it('the simulator is shaped like k3d on a remote engine: ports on the engine host, its name in the kubeconfig', async () => {
    expect(engine()).toMatch(/^10\.231\.\d+\.3$/);
    const there = await inNamespace('curl', ['-sS', '--max-time', '5', `http://${engine()}:8080/`]);
    expect(there.stdout).toContain('my-app via nodePort 30080');
    const here = await inNamespace('curl', ['-sS', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(here.code).not.toBe(0);
    const kubeconfig = await run('ssh', [
      '-F',
      devserver.sshConfigFile,
      'devserver',
      'bash -lc "k3d kubeconfig get my-app"',
    ]);
    expect(kubeconfig.stdout).toContain(`server: https://${engine()}:16443`);
  });

  it('connect forwards to the engine host: curl gets the app, kubectl works with TLS verified', async () => {
    const cli = newCli();
    const table = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `my-app\\s+api\\s+-\\s+127\\.0\\.0\\.1:\\d+\\s+host port ${engine().replaceAll('.', '\\.')}:16443`,
      ),
    );
    expect(table.stdout).toContain(
      `the clusters run on ${engine()} (the docker engine's host), reached via devserver`,
    );

    const status = await runCli(cli, ['status', 'devserver', '--json']);
    const doc = JSON.parse(status.stdout) as {
      sessions: { dockerHost: string | null; clusters: { forwards: ForwardJson[] }[] }[];
    };
    expect(schemaErrors(statusSchema, doc)).toEqual([]);
    const session = doc.sessions[0];
    expect(session?.dockerHost).toBe(engine());
    const forwards = session?.clusters.flatMap((cluster) => cluster.forwards) ?? [];
    expect(forwards.map((forward) => `${forward.remoteHost}:${forward.remotePort}`).sort()).toEqual([
      `${engine()}:16443`,
      `${engine()}:8080`,
    ]);
    const web = forwards.find((forward) => forward.remotePort === 8080);
    expect((await curl(`http://127.0.0.1:${web?.localPort}/`)).stdout).toContain('my-app via nodePort 30080');

    const kubectl = await kubectlGetPods(cli, 'k3d-my-app@devserver');
    expect(kubectl.stderr).toBe('');
    expect(kubectl.code).toBe(0);
    expect(kubectl.stdout).toMatch(/^NAME\s+READY\s+STATUS/);
    const config = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(config).toContain('certificate-authority-data');
    expect(config).not.toContain('insecure-skip-tls-verify');

    const plain = await runCli(cli, ['status', 'devserver']);
    expect(plain.stdout).toContain(`docker on ${engine()}`);
  });

  it('over the OpenSSH transport too: the master forwards to the engine host', async () => {
    const cli = newCli();
    const args = [
      '--ssh-config',
      devserver.sshConfigFile,
      'connect',
      'devserver',
      '--transport',
      'openssh',
      '--json',
    ];
    const result = await runCli(cli, args);
    expect(result.code).toBe(0);
    const reply = JSON.parse(result.stdout) as {
      status: { transport: { kind: string }; clusters: { forwards: ForwardJson[] }[] };
    };
    expect(reply.status.transport.kind).toBe('openssh');
    const web = reply.status.clusters[0]?.forwards.find((forward) => forward.remotePort === 8080);
    expect(web?.remoteHost).toBe(engine());
    expect((await curl(`http://127.0.0.1:${web?.localPort}/`)).stdout).toContain('my-app via nodePort 30080');
  });

  it('doctor says the engine runs on another host, where the ports are', async () => {
    const result = await runCli(newCli(), [
      '--ssh-config',
      devserver.sshConfigFile,
      'doctor',
      'devserver',
      '--json',
    ]);
    const report = JSON.parse(result.stdout) as { checks: { id: string; status: string; detail: string }[] };
    const docker = report.checks.find((check) => check.id === 'docker');
    expect(docker?.status).toBe('pass');
    expect(docker?.detail).toContain(`running on another host, ${engine()} (tcp://${engine()}:2375)`);
  });

  it('nodeports reads the API at the engine host and finds the app mapped', async () => {
    const result = await runCli(newCli(), [
      '--ssh-config',
      devserver.sshConfigFile,
      'nodeports',
      'devserver',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`my-app\\s+${engine().replaceAll('.', '\\.')}:8080→30080\\s+default/web:8080`),
    );
  });

  it('an ssh:// engine whose host only ssh knows (a Host alias): listed, not forwarded, with why and what to do', async () => {
    const profile = path.join(devserver.simHome, '.profile');
    const before = fs.readFileSync(profile, 'utf8');
    const alias = 'ssh://dev@enginebox';
    fs.writeFileSync(profile, before.replace(/export DOCKER_HOST=.*/, `export DOCKER_HOST=${alias}`));
    await devserver.world.update((world) => {
      world.engine.host = alias;
    });
    const args = (...rest: string[]) => ['--ssh-config', devserver.sshConfigFile, ...rest];
    try {
      // Listing needs no forward: the clusters are there, with the reason under the table.
      const clusters = await runCli(newCli(), args('clusters', 'devserver'));
      expect(clusters.code).toBe(0);
      expect(clusters.stdout).toMatch(/^my-app\s+running/m);
      expect(clusters.stdout).toContain(
        'warning: my-app: its ports are published on enginebox, but "enginebox" does not resolve on devserver',
      );

      const connect = await runCli(newCli(), args('connect', 'devserver'));
      expect(connect.stdout).toContain(
        'skipped my-app: its ports are published on enginebox, but "enginebox" does not resolve on devserver.',
      );
      expect(connect.stdout).toContain('ssh devserver getent hosts enginebox');

      const doctor = await runCli(newCli(), args('doctor', 'devserver', '--json'));
      const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; hint: string }[] };
      const docker = report.checks.find((check) => check.id === 'docker');
      expect(docker?.status).toBe('fail');
      expect(docker?.hint).toContain('ssh devserver getent hosts enginebox');
    } finally {
      fs.writeFileSync(profile, before);
      await devserver.world.update((world) => {
        world.engine.host = `tcp://${engine()}:2375`;
      });
    }
  });
});
