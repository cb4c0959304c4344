// The agent's process environment: it starts without NODE_EXTRA_CA_CERTS (Node would parse that file
// into every process's CA store; the agent checks TLS against kubeconfig CAs only), and gives it back to
// what it runs, so a user's ProxyCommand still sees their setting.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  AGENT_NODE_FLAGS,
  agentEnvironment,
  agentSpawnEnv,
  HELD_EXTRA_CA_CERTS,
  restoreChildEnvironment,
  restoreTieringBudget,
  V8_DEFAULT_INTERRUPT_BUDGET,
} from '../../../src/agent/node-flags.js';

describe("the agent's environment", () => {
  it('starts the agent without NODE_EXTRA_CA_CERTS, carrying its value aside, and the rest as it was', () => {
    const env = agentSpawnEnv({ PATH: '/usr/bin', NODE_EXTRA_CA_CERTS: '/corp/ca.pem', HOME: '/h' }, 'linux');
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(env[HELD_EXTRA_CA_CERTS]).toBe('/corp/ca.pem');
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/h',
      ...Object.fromEntries(agentEnvironment('linux')),
    });
  });

  it('adds nothing when the user has no NODE_EXTRA_CA_CERTS, and never passes on a stale held value', () => {
    const env = agentSpawnEnv({ PATH: '/bin', [HELD_EXTRA_CA_CERTS]: '/old.pem' }, 'darwin');
    expect(env).toEqual({ PATH: '/bin' });
  });

  it("gives the agent's children the user's NODE_EXTRA_CA_CERTS back", () => {
    const env: NodeJS.ProcessEnv = agentSpawnEnv(
      { NODE_EXTRA_CA_CERTS: '/corp/ca.pem', PATH: '/bin' },
      'darwin',
    );
    restoreChildEnvironment(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/corp/ca.pem', PATH: '/bin' });
    const without: NodeJS.ProcessEnv = { PATH: '/bin' };
    restoreChildEnvironment(without);
    expect(without).toEqual({ PATH: '/bin' });
  });
});

describe("the agent's node flags", () => {
  it('are all known to this Node: one it does not know would stop the agent from starting', () => {
    const run = spawnSync(process.execPath, [...AGENT_NODE_FLAGS, '-e', 'process.stdout.write("started")'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started');
    expect(run.status).toBe(0);
  });
});

describe("the agent's tiering budget", () => {
  it("is V8's own default once restored, the value this Node starts with", () => {
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options).toContain(`default: --interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET}\n`);
    const flags: string[] = [];
    restoreTieringBudget((flag) => flags.push(flag));
    expect(flags).toEqual([`--interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET}`]);
  });

  it("can be restored at run time in a Node started with the agent's flags", () => {
    const script = `require('node:v8').setFlagsFromString('--interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET}'); process.stdout.write('ok')`;
    const run = spawnSync(process.execPath, [...AGENT_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
  });
});
