// What every SSH setup must give a user, through the real CLI: `tunnel connect <alias>` (no extra flag, only
// the setup's ssh config) forwards, a crash + restart of the sshd in front is survived on the same transport
// (answers again from SSH_ASKPASS where the server asks), `tunnel disconnect` leaves nothing running. And a
// wrong one-time code or password: a clear error, a non-zero exit, nothing left running, no retry loop.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../devserver/netns.js';
import { agentProcesses } from '../agent-helpers.js';
import { type CliEnv, cliEnvsPerTest, runCli } from '../cli-helpers.js';
import { curlOnce, RECOVERY_TIMEOUT_MS, sleep, WEB_REPLY } from '../fault-helpers.js';
import { GOOD_CODE, GOOD_PASSWORD } from './fixture.js';
import { type Setup, type SetupName, startSetup } from './setups.js';

interface SessionJson {
  host: string;
  state: string;
  reconnectCount: number;
  lastError: { message: string; code: string | null } | null;
  /** Added by issue 12 (the wiring): which transport serves the session, and why. */
  transport?: { kind: 'ssh2' | 'openssh'; reason: string } | null;
  clusters: { name: string; forwards: { remotePort: number; localPort: number }[] }[];
}

export interface Expectations {
  /** The transport `auto` must pick for this setup (undefined: either is right). */
  transport?: 'ssh2' | 'openssh';
  /** The server asks a question (OTP or password) at every login. */
  asks: boolean;
}

const JOURNEY_TIMEOUT_MS = 150_000;

async function sessions(cli: CliEnv): Promise<SessionJson[]> {
  const result = await runCli(cli, ['status', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { sessions: SessionJson[] }).sessions;
}

async function sessionOf(cli: CliEnv, alias: string): Promise<SessionJson> {
  const found = (await sessions(cli)).find((entry) => entry.host === alias);
  if (!found) throw new Error(`no ${alias} session in tunnel status`);
  return found;
}

function webPort(entry: SessionJson): number {
  const forward = entry.clusters
    .find((c) => c.name === 'my-app')
    ?.forwards.find((f) => f.remotePort === 8080);
  if (!forward) throw new Error(`no forward for my-app:8080 in ${JSON.stringify(entry.clusters)}`);
  return forward.localPort;
}

/** Processes started for this setup's client side: ssh masters and jumps (-F <its config>), the fdpass helper, askpass. */
export function clientProcesses(setup: Setup): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const mine = argv.some(
        (arg) => arg === setup.sshConfigFile || arg.startsWith(`${setup.client.dir}/fdpass`),
      );
      if (mine || argv.includes(setup.client.askpass)) found.push(`${entry}: ${argv.join(' ')}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Files under `dir` (the CLI's home: state, logs, kubeconfig) that contain one of the secrets. */
function filesHolding(dir: string, secrets: string[]): string[] {
  const entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => secrets.some((secret) => fs.readFileSync(file, 'latin1').includes(secret)));
}

function cliFor(newCli: () => CliEnv, setup: Setup): CliEnv {
  const cli = newCli();
  Object.assign(cli.env, setup.client.askpassEnv());
  return cli;
}

const connect = (cli: CliEnv, setup: Setup) =>
  runCli(cli, ['--ssh-config', setup.sshConfigFile, 'connect', setup.alias], 90_000);

/** Registers the suite for one setup: beforeAll starts it, afterAll stops it; the journey as one test. */
export function setupSuite(name: SetupName, expected: Expectations, more?: (get: () => Setup) => void): void {
  describe.runIf(isRoot())(`${name} (real sshd in a network namespace; needs root)`, () => {
    let setup: Setup;
    const newCli = cliEnvsPerTest();
    beforeAll(async () => {
      setup = await startSetup(name);
      if (name === 'password') setup.client.answer(GOOD_PASSWORD);
    });
    afterAll(async () => {
      await setup?.stop();
    });

    it(
      'connects with no extra flag, forwards, survives an sshd crash and restart, and disconnects cleanly',
      async () => {
        const cli = cliFor(newCli, setup);
        const connected = await connect(cli, setup);
        expect(connected.code, connected.stderr).toBe(0);
        // auto says once why it uses OpenSSH ("via OpenSSH: <reason>").
        const via = (connected.stdout + connected.stderr).match(/via OpenSSH/gi) ?? [];
        if (expected.transport) expect(via.length).toBe(expected.transport === 'openssh' ? 1 : 0);
        const entry = await sessionOf(cli, setup.alias);
        expect(entry.state).toBe('forwarding');
        if (expected.transport) expect(entry.transport?.kind).toBe(expected.transport);
        expect((await curlOnce(webPort(entry))).stdout).toContain(WEB_REPLY);
        const askedBefore = setup.client.asked().length;
        expect(askedBefore > 0).toBe(expected.asks);
        // On OpenSSH the session is a master ssh run with the setup's config (so the check below means something).
        if (expected.transport === 'openssh') expect(clientProcesses(setup)).not.toEqual([]);

        await setup.frontSshd.crash();
        await setup.frontSshd.restart();
        await expect
          .poll(async () => (await sessionOf(cli, setup.alias)).reconnectCount, {
            timeout: RECOVERY_TIMEOUT_MS,
          })
          .toBeGreaterThanOrEqual(1);
        await expect
          .poll(async () => (await sessionOf(cli, setup.alias)).state, {
            timeout: RECOVERY_TIMEOUT_MS,
            interval: 250,
          })
          .toBe('forwarding');
        const recovered = await sessionOf(cli, setup.alias);
        if (expected.transport) expect(recovered.transport?.kind).toBe(expected.transport);
        expect((await curlOnce(webPort(recovered))).stdout).toContain(WEB_REPLY);
        // The unattended reconnect answered the server's question again from SSH_ASKPASS.
        if (expected.asks) expect(setup.client.asked().length).toBeGreaterThan(askedBefore);

        const disconnected = await runCli(cli, ['disconnect', setup.alias]);
        expect(disconnected.code, disconnected.stderr).toBe(0);
        expect((await sessions(cli)).filter((s) => s.host === setup.alias)).toEqual([]);
        await expect.poll(() => clientProcesses(setup), { timeout: 5_000 }).toEqual([]);
        expect((await runCli(cli, ['agent', 'stop'])).code).toBe(0);
        await expect.poll(() => agentProcesses(cli), { timeout: 5_000 }).toEqual([]);
        expect(filesHolding(cli.home, [GOOD_CODE, GOOD_PASSWORD])).toEqual([]);
      },
      JOURNEY_TIMEOUT_MS,
    );

    more?.(() => setup);
  });
}

/** A wrong answer (`answer`): a clear error naming the failure, non-zero exit, nothing left, no retry loop. */
export function wrongAnswerTest(get: () => Setup, what: string, answer: string, right: string): void {
  const newCli = cliEnvsPerTest();
  it(
    `a wrong ${what}: a clear error, a non-zero exit, nothing left running, no retry loop`,
    async () => {
      const setup = get();
      setup.client.answer(answer);
      try {
        const cli = cliFor(newCli, setup);
        const askedBefore = setup.client.asked().length;
        const result = await connect(cli, setup);
        expect(result.code).not.toBe(0);
        expect(result.code).not.toBeNull();
        expect(result.stderr).toMatch(/error: .*(authenticat|permission denied|rejected|refused)/i);
        expect(result.stderr).not.toContain(answer);
        const asked = setup.client.asked().length - askedBefore;
        // OpenSSH's NumberOfPasswordPrompts (3) at most; then nobody asks again behind the user's back.
        expect(asked).toBeGreaterThanOrEqual(1);
        expect(asked).toBeLessThanOrEqual(3);
        await sleep(3_000);
        expect(setup.client.asked().length - askedBefore).toBe(asked);
        const left = (await sessions(cli)).filter((s) => s.host === setup.alias && s.state !== 'stopped');
        expect(left).toEqual([]);
        expect(clientProcesses(setup)).toEqual([]);
      } finally {
        setup.client.answer(right);
      }
    },
    JOURNEY_TIMEOUT_MS,
  );
}

/**
 * Nobody to answer at a background reconnect (the askpass fails, as when the person is away): the session
 * stops retrying in a state that says it needs an answer, instead of a loop that would lock the account;
 * `tunnel connect <alias>` with someone to answer brings it back.
 */
export function needsAnswerTest(get: () => Setup, right: string): void {
  const newCli = cliEnvsPerTest();
  it(
    'a reconnect nobody can answer waits in needs-answer without retrying; connect answers it',
    async () => {
      const setup = get();
      const cli = cliFor(newCli, setup);
      try {
        const connected = await connect(cli, setup);
        expect(connected.code, connected.stderr).toBe(0);
        setup.client.refuse();
        await setup.frontSshd.crash();
        await setup.frontSshd.restart();
        await expect
          .poll(async () => (await sessionOf(cli, setup.alias)).state, {
            timeout: RECOVERY_TIMEOUT_MS,
            interval: 250,
          })
          .toBe('needs-answer');
        const stuck = await sessionOf(cli, setup.alias);
        expect(stuck.lastError?.code).toBe('SSH_NEEDS_ANSWER');
        const asked = setup.client.asked().length;
        await sleep(5_000);
        expect(setup.client.asked().length).toBe(asked);
        expect((await sessionOf(cli, setup.alias)).state).toBe('needs-answer');

        setup.client.answer(right);
        const answered = await connect(cli, setup);
        expect(answered.code, answered.stderr).toBe(0);
        const entry = await sessionOf(cli, setup.alias);
        expect(entry.state).toBe('forwarding');
        expect((await curlOnce(webPort(entry))).stdout).toContain(WEB_REPLY);
      } finally {
        setup.client.answer(right);
      }
    },
    JOURNEY_TIMEOUT_MS,
  );
}
