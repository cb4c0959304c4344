// The dev server's kubeconfig never runs code nor reads files on this machine, and tunnel never replaces
// or removes a kube context it did not write: end to end with the real CLI, real sshd, a hostile
// `k3d kubeconfig get` from the simulator and the real kubectl.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { type CliEnv, cliEnvsPerTest, run, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

/** An exec credential plugin that would leave `marker` behind if anything ever ran it. */
const plugin = (marker: string) => ({
  apiVersion: 'client.authentication.k8s.io/v1',
  command: '/bin/sh',
  args: ['-c', `touch '${marker}'; echo '{"kind":"ExecCredential","status":{"token":"x"}}'`],
  interactiveMode: 'Never',
});

type Inject = { cluster?: Record<string, unknown>; user?: Record<string, unknown> };

async function injectInto(cluster: string, inject: Inject | undefined): Promise<void> {
  await devserver.world.update((world) => {
    const found = world.clusters.find((candidate) => candidate.name === cluster);
    if (!found) throw new Error(`no ${cluster}`);
    found.spec.kubeconfigInject = inject;
  });
}

const connect = (cli: CliEnv, ...extra: string[]) =>
  runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver', ...extra]);
const kubectl = (cli: CliEnv, ...args: string[]) => run('kubectl', args, 20_000, cli.env);

async function agentLog(cli: CliEnv): Promise<string> {
  return (await runCli(cli, ['logs', 'devserver', '-n', '500'])).stdout;
}

describe('a hostile kubeconfig from the dev server', () => {
  let cli: CliEnv;
  let marker: string;
  beforeEach(async () => {
    cli = newCli();
    marker = path.join(cli.home, 'plugin-ran');
    await injectInto('my-app', undefined);
    await injectInto('other', undefined);
  });
  afterAll(async () => {
    await injectInto('my-app', undefined);
    await injectInto('other', undefined);
  });

  it('loses its exec plugin, proxy and insecure flag; kubectl works and never runs the plugin', async () => {
    await injectInto('my-app', {
      user: { exec: plugin(marker), tokenFile: '/etc/hostname' },
      cluster: { 'proxy-url': 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true },
    });
    const result = await connect(cli);
    expect(result.code).toBe(0);
    for (const line of [
      "dropped users[].user.exec from k3d-my-app@devserver's kubeconfig: a credential plugin would run a program on this machine",
      "dropped users[].user.tokenFile from k3d-my-app@devserver's kubeconfig",
      "dropped clusters[].cluster.proxy-url from k3d-my-app@devserver's kubeconfig",
      "dropped clusters[].cluster.insecure-skip-tls-verify from k3d-my-app@devserver's kubeconfig",
    ]) {
      expect(result.stdout).toContain(line);
    }
    const pods = await kubectl(cli, '--context', 'k3d-my-app@devserver', 'get', 'pods');
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    const written = fs.readFileSync(cli.kubeconfig, 'utf8');
    for (const field of ['exec', 'tokenFile', 'proxy-url', 'insecure-skip-tls-verify', marker]) {
      expect(written).not.toContain(field);
    }
    // One line for the whole fetch (a server can add thousands of fields), naming each with why.
    const log = await agentLog(cli);
    expect(log).toContain("dropped 4 fields from k3d-my-app@devserver's kubeconfig:");
    expect(log).toContain('users[].user.exec (a credential plugin would run a program on this machine)');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('with no embedded client key gives no context (the plugin is not a credential); forwards still run', async () => {
    await injectInto('other', { user: { exec: plugin(marker), 'client-key-data': null } });
    const result = await connect(cli, '--json');
    expect(result.code).toBe(0);
    const { status } = JSON.parse(result.stdout) as {
      status: {
        clusters: { name: string; context: string | null; forwards: unknown[] }[];
        kubeconfig: { errors: { cluster: string; error: string }[] };
      };
    };
    const other = status.clusters.find((cluster) => cluster.name === 'other');
    expect(other?.forwards.length).toBeGreaterThan(0);
    const withContext = status.clusters.filter((cluster) => cluster.context !== null);
    expect(withContext.map((cluster) => cluster.name)).toEqual(['my-app']);
    expect(status.kubeconfig.errors).toEqual([
      {
        cluster: 'other',
        error: expect.stringMatching(
          /no usable embedded credential \(users\[\]\.user\.client-key-data: it is missing; also dropped: users\[\]\.user\.exec\)/,
        ),
      },
    ]);
    const shop = await kubectl(cli, '--context', 'k3d-other@devserver', 'get', 'pods');
    expect(shop.code).not.toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('names a dropped field whose key the server chose escaped: no clipboard write on the terminal', async () => {
    // A YAML double-quoted key: \e is ESC and \a BEL, so the parsed key is an OSC 52 clipboard write.
    const osc52 = String.raw`"\e]52;c;aGk=\a"`;
    await injectInto('my-app', { user: { [osc52]: 'x' } });
    await injectInto('other', { user: { [osc52]: 'x', 'client-key-data': null } });
    const printed = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'kubeconfig', 'devserver']);
    expect(printed.code).toBe(0);
    expect(printed.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(printed.stderr).toContain(
      "dropped users[].user.\\x1b]52;c;aGk=\\x07 from k3d-my-app@devserver's kubeconfig",
    );
    expect(printed.stderr).toContain('also dropped: users[].user.\\x1b]52;c;aGk=\\x07');
  });

  it('is dropped the same way by tunnel kubeconfig and --kubeconfig <file>', async () => {
    await injectInto('my-app', { user: { exec: plugin(marker) } });
    await injectInto('other', { user: { exec: plugin(marker), 'client-key-data': null } });
    const printed = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'kubeconfig', 'devserver']);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toContain("dropped users[].user.exec from k3d-my-app@devserver's kubeconfig");
    expect(printed.stderr).toContain('no context for other: ');
    expect(printed.stdout).not.toContain('exec');
    expect(parse(printed.stdout).contexts.map((entry: { name: string }) => entry.name)).toEqual([
      'k3d-my-app@devserver',
    ]);
    const standalone = path.join(cli.home, 'standalone.yaml');
    expect((await connect(cli, '--kubeconfig', standalone)).code).toBe(0);
    expect(fs.readFileSync(standalone, 'utf8')).not.toContain('exec');
    const viaFile = await kubectl(
      cli,
      '--kubeconfig',
      standalone,
      '--context',
      'k3d-my-app@devserver',
      'get',
      'pods',
    );
    expect(viaFile.code).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe("the user's own kube contexts", () => {
  it("are never replaced nor removed: a dev-server cluster named like the user's context is refused", async () => {
    const cli = newCli();
    fs.mkdirSync(path.dirname(cli.kubeconfig), { recursive: true });
    // The user's own `my-app` context (a token for something else entirely).
    await kubectl(cli, 'config', 'set-cluster', 'my-app', '--server', 'https://my-app.example.com');
    await kubectl(cli, 'config', 'set-credentials', 'admin@my-app', '--token', 'users-own-token');
    await kubectl(cli, 'config', 'set-context', 'my-app', '--cluster', 'my-app', '--user', 'admin@my-app');
    const before = fs.readFileSync(cli.kubeconfig, 'utf8');
    const result = await connect(cli, '--context-name', '{cluster}');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kubeconfig for my-app not written');
    expect(result.stdout).toContain('already has a context named "my-app" that tunnel did not write');
    expect(result.stdout).toContain('--context-name');
    const config = parse(fs.readFileSync(cli.kubeconfig, 'utf8'));
    expect(config.users.find((user: { name: string }) => user.name === 'admin@my-app').user.token).toBe(
      'users-own-token',
    );
    expect((await runCli(cli, ['disconnect', 'devserver'])).code).toBe(0);
    const after = parse(fs.readFileSync(cli.kubeconfig, 'utf8'));
    expect(after).toEqual(parse(before));
  });
});

describe('tunnel doctor', () => {
  it('fails on a context for this host left carrying an exec plugin (an older tunnel copied it)', async () => {
    const cli = newCli();
    const marker = path.join(cli.home, 'plugin-ran');
    const context = 'k3d-my-app@devserver';
    fs.mkdirSync(path.dirname(cli.kubeconfig), { recursive: true });
    fs.writeFileSync(
      cli.kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: context, cluster: { server: 'https://127.0.0.1:16443' } }],
        contexts: [{ name: context, context: { cluster: context, user: `admin@${context}` } }],
        users: [{ name: `admin@${context}`, user: { exec: plugin(marker) } }],
      }),
    );
    const result = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'doctor',
      'devserver',
      '--json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: { id: string; status: string; detail: string }[] };
    expect(report.checks.find((check) => check.id === 'kube-api')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        `context "${context}" carries what tunnel never writes: users[].user.exec`,
      ),
    });
    expect(fs.existsSync(marker)).toBe(false);
  });
});
