// k3d on the dev server exits 1 with nothing on stderr after printing its answer (the cluster-admin
// kubeconfig, the cluster JSON with K3S_TOKEN): the error the user sees and agent.log must say that it
// failed without a byte of the key, certificate or token. Real CLI, real sshd, the simulated k3d.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { type CliEnv, cliEnvsPerTest, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

const failAfterOutput = (commands: string[]) =>
  devserver.world.update((world) => {
    world.faults = { k3dFailsAfterOutput: commands };
  });

/** Every secret the simulated k3d can print, in the forms it prints them (base64 in YAML, PEM lines, raw). */
function secrets(): string[] {
  const found: string[] = [];
  for (const cluster of devserver.world.state().clusters) {
    found.push(cluster.token);
    for (const pem of [cluster.certs.adminKey, cluster.certs.adminCert, cluster.certs.serverCa]) {
      const base64 = Buffer.from(pem).toString('base64');
      // Any 24-character piece of the kubeconfig value, and each PEM body line.
      for (let at = 0; at + 24 <= base64.length; at += 24) found.push(base64.slice(at, at + 24));
      found.push(...pem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')));
    }
  }
  return found;
}

function expectNoSecret(text: string): void {
  for (const secret of secrets()) expect(text).not.toContain(secret);
}

const agentLog = (cli: CliEnv) => {
  const file = path.join(cli.env.TUNNEL_HOME!, 'logs', 'agent.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
};

describe('k3d fails after printing secrets, with an empty stderr', () => {
  afterAll(async () => {
    await failAfterOutput([]);
  });

  it('clusters: the error names the failing command, not the cluster JSON with K3S_TOKEN', async () => {
    await failAfterOutput(['cluster list']);
    const cli = newCli();
    const result = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'clusters', 'devserver']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/k3d cluster list -o json" on devserver exited with 1/);
    expect(result.stderr).not.toContain('K3S_TOKEN');
    expectNoSecret(`${result.stdout}${result.stderr}`);
  });

  it('connect: neither the terminal nor agent.log gets the client key of the kubeconfig', async () => {
    await failAfterOutput(['kubeconfig get']);
    const cli = newCli();
    const result = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
    const output = `${result.stdout}${result.stderr}`;
    // The forwards still run; the context is what failed, and the user is told so.
    expect(output).toMatch(/k3d kubeconfig get \S+" on devserver exited with 1/);
    expect(output).not.toContain('client-key-data');
    expectNoSecret(output);
    const log = agentLog(cli);
    expect(log).toMatch(/kubeconfig get/);
    expectNoSecret(log);
  });

  it('connect: when the cluster list fails too, the failure reaches the user and the log without the token', async () => {
    await failAfterOutput(['cluster list', 'kubeconfig get']);
    const cli = newCli();
    const result = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
    expect(result.code).toBe(1);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/k3d cluster list -o json" on devserver exited with 1/);
    expectNoSecret(output);
    expectNoSecret(agentLog(cli));
  });
});
