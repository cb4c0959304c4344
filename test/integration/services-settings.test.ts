// Issue 14's settings through the real CLI (bin/tunnel.js → dist/), in an isolated TUNNEL_HOME: which
// Services `connect` forwards, set with `tunnel config` and refused before anything connects.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliEnv, makeCliEnv, runCli } from './cli-helpers.js';

const envs: CliEnv[] = [];
afterEach(() => {
  for (const cli of envs.splice(0)) fs.rmSync(cli.home, { recursive: true, force: true });
});

function newCli(): CliEnv {
  const cli = makeCliEnv();
  envs.push(cli);
  return cli;
}

describe('the services settings', () => {
  it('tunnel config sets, shows and defaults them like every other key', async () => {
    const cli = newCli();
    expect(await runCli(cli, ['config', 'set', 'devserver', 'services', 'all'])).toMatchObject({
      code: 0,
      stdout: 'devserver: services = all\n',
    });
    expect(
      (await runCli(cli, ['config', 'set', 'devserver', 'exclude-namespace', 'kube-system', 'cert-manager']))
        .code,
    ).toBe(0);
    expect((await runCli(cli, ['config', 'set', 'devserver', 'selector', 'app=web,tier!=cache'])).code).toBe(
      0,
    );
    expect((await runCli(cli, ['config', 'get', 'devserver', 'excludeNamespace'])).stdout).toBe(
      'kube-system\ncert-manager\n',
    );
    const unset = await runCli(cli, ['config', 'get', 'devserver', 'namespace']);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('every namespace not excluded');
  });

  it('refuses a wrong mode, namespace or --map Service pin with exit code 2 before connecting', async () => {
    const cli = newCli();
    const mode = await runCli(cli, ['connect', 'devserver', '--services', 'everything']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('--services everything: expected mapped, nodeport or all');
    expect(mode.stderr).toContain('--services all');
    const namespace = await runCli(cli, ['connect', 'devserver', '--namespace', 'Bad_NS']);
    expect(namespace.code).toBe(2);
    expect(namespace.stderr).toContain('--namespace Bad_NS: not a namespace name');
    const pin = await runCli(cli, ['connect', 'devserver', '--map', 'monitoring/grafana:3000']);
    expect(pin.code).toBe(2);
    expect(pin.stderr).toContain('expected NAMESPACE/NAME:PORT:LOCAL');
    const setting = await runCli(cli, ['config', 'set', 'devserver', 'services', 'everything']);
    expect(setting.code).toBe(2);
    expect(setting.stderr).toContain(
      'setting services "everything" for devserver: expected mapped, nodeport or all',
    );
  });
});
