// `tunnel status --watch --json` through the real CLI against a real agent and the simulated dev
// server: the agent pushes a new line when a forward carries traffic and when a session changes state
// (no polling), and when the agent stops the watch says so and keeps looking for it until Ctrl-C.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/control/status-document.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { schemaErrors, statusSchema } from '../schema.js';
import { sshConfigWithTwoAliases, twoClustersOnFreePorts } from './agent-helpers.js';
import { type CliEnv, cliEnvsPerTest, curl, runCli, spawnCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();
let published = new Map<number, number>();

beforeAll(async () => {
  const moved = await twoClustersOnFreePorts();
  published = moved.published;
  devserver = await startDevServer({ scenario: moved.scenario, mode: 'loopback' });
});

afterAll(async () => {
  await devserver?.stop();
});

async function connect(cli: CliEnv, host: string): Promise<void> {
  const config = sshConfigWithTwoAliases(devserver, cli);
  const result = await runCli(cli, [
    '--ssh-config',
    config,
    'connect',
    host,
    '--cluster',
    'my-app',
    '--no-kubeconfig',
  ]);
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
}

/** The documents the watcher printed so far (one JSON document per line; a no-agent line has agent null). */
function documents(stdout: string): StatusDocument[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as StatusDocument);
}

const bytesIn = (doc: StatusDocument | undefined) =>
  (doc?.sessions ?? [])
    .flatMap((session) => session.clusters.flatMap((cluster) => cluster.forwards))
    .reduce((sum, forward) => sum + forward.bytesIn, 0);

describe('tunnel status --watch --json', () => {
  it('prints a line after traffic and after a state change, and says when the agent is gone', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const { child, output } = spawnCli(cli, ['status', '--watch', '--json']);
    try {
      const docs = () => documents(output().stdout);
      await expect.poll(() => docs().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      const first = docs()[0];
      expect(first?.sessions.map((session) => [session.host, session.state])).toEqual([
        ['devserver', 'forwarding'],
      ]);
      const web = first?.sessions[0]?.clusters[0]?.forwards.find(
        (forward) => forward.remotePort === published.get(8080),
      );
      if (!web) throw new Error(`no forward of my-app:8080 in ${JSON.stringify(first)}`);

      // Traffic: the counters move, so a new line comes, without anyone asking.
      const seen = docs().length;
      expect((await curl(`http://127.0.0.1:${web.localPort}/`)).stdout).toContain('nodePort 30080');
      await expect.poll(() => bytesIn(docs().at(-1)), { timeout: 15_000 }).toBeGreaterThan(bytesIn(first));
      expect(docs().length).toBeGreaterThan(seen);

      // A state change: a second session appears (connecting, then forwarding).
      await connect(cli, 'devserver2');
      await expect
        .poll(
          () =>
            docs()
              .at(-1)
              ?.sessions.map((session) => [session.host, session.state]),
          { timeout: 15_000 },
        )
        .toEqual([
          ['devserver', 'forwarding'],
          ['devserver2', 'forwarding'],
        ]);
      expect(docs().map((doc) => doc.sessions.length)).toContain(2);

      // A host the agent has no session for is status's error at once, not a wait.
      const unknown = await runCli(cli, ['status', 'nope', '--watch', '--json']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no session for nope. Sessions: devserver, devserver2.');

      // The agent goes: a no-agent line for scripts, the sentence for people, and the watch keeps looking.
      expect((await runCli(cli, ['agent', 'stop'])).code).toBe(0);
      await expect
        .poll(() => output().stderr, { timeout: 15_000 })
        .toContain('the agent is gone; waiting for it to come back (tunnel connect <host> starts it)');
      expect(docs().at(-1)).toMatchObject({ agent: null, sessions: [] });
      expect(child.exitCode).toBeNull();
      // Every line is a status document as `status --json` prints it.
      for (const doc of docs()) expect(schemaErrors(statusSchema, doc)).toEqual([]);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
