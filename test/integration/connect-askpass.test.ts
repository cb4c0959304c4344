// SSH_ASKPASS as OpenSSH uses it, through the real CLI and agent with no terminal: with
// SSH_ASKPASS_REQUIRE=force the program answers the questions of the login (a new host key, a key
// passphrase), relayed by the agent to this CLI, which runs it with the prompt as its only argument.
// The answer reaches the login and nowhere else: not argv, not the logs, not any file tunnel writes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { type CliEnv, cliEnvsPerTest, runCli, sshConfigVariant } from './cli-helpers.js';

const PASSPHRASE = 'askpass-only-Q7z!passphrase';

let devserver: DevServer;
let dir: string;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-askpass-'));
});
afterAll(async () => {
  await devserver?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** An askpass program that records each prompt (argv) and its SSH_ASKPASS_PROMPT, and answers it. */
function askpassScript(): { program: string; calls: () => string[] } {
  const record = path.join(dir, 'calls');
  const program = path.join(dir, 'askpass');
  fs.writeFileSync(
    program,
    `#!/bin/sh
printf '%s|%s\\n' "$*" "\${SSH_ASKPASS_PROMPT-unset}" | tr '\\n' ' ' >> '${record}'
echo >> '${record}'
case "$*" in
  *yes/no*) echo yes ;;
  *"Enter passphrase"*) printf '%s\\n' '${PASSPHRASE}' ;;
  *) exit 1 ;;
esac
`,
    { mode: 0o700 },
  );
  fs.rmSync(record, { force: true });
  const calls = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n') : []);
  return { program, calls };
}

function askpassEnv(cli: CliEnv, program: string): void {
  cli.env.SSH_ASKPASS = program;
  cli.env.SSH_ASKPASS_REQUIRE = 'force';
  delete cli.env.DISPLAY;
}

/** Every file under `root` whose text contains `needle`. */
function filesContaining(root: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes(needle)) found.push(file);
  }
  return found;
}

describe('SSH_ASKPASS_REQUIRE=force, no terminal', () => {
  it('a new host key is confirmed by the program, as OpenSSH asks it, and recorded', async () => {
    const cli = newCli();
    const { program, calls } = askpassScript();
    askpassEnv(cli, program);
    const config = sshConfigVariant(devserver, cli, { knownHosts: '', strictHostKeyChecking: 'ask' });
    const result = await runCli(cli, ['--ssh-config', config, 'connect', 'devserver', '--no-kubeconfig']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatch(/SHA256:[A-Za-z0-9+/]{43}.*yes\/no.*\|unset/);
    expect(fs.readFileSync(path.join(cli.home, 'known_hosts'), 'utf8')).toMatch(/ssh-ed25519 AAAA/);
  });

  it("a key's passphrase comes from the program and is found nowhere else", async () => {
    const cli = newCli();
    const { program, calls } = askpassScript();
    askpassEnv(cli, program);
    const key = path.join(cli.home, 'id_locked');
    fs.copyFileSync(devserver.clientKeyFile, key);
    fs.chmodSync(key, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-f', key, '-P', '', '-N', PASSPHRASE]);
    const known = fs.readFileSync(devserver.knownHostsFile, 'utf8');
    const config = sshConfigVariant(devserver, cli, { knownHosts: known });
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace(/IdentityFile .*/, `IdentityFile ${key}`),
    );
    const result = await runCli(cli, ['--ssh-config', config, 'connect', 'devserver', '--no-kubeconfig']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(calls()).toEqual([`Enter passphrase for key '${key}': |unset `.trim()]);
    const status = await runCli(cli, ['status', 'devserver']);
    expect(status.stdout).toContain('forwarding');
    // Not on any command line (the agent's included), not in any output, log or saved session.
    const cmdlines = fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      });
    expect(cmdlines.filter((line) => line.includes(PASSPHRASE))).toEqual([]);
    expect(result.stdout + result.stderr + status.stdout + status.stderr).not.toContain(PASSPHRASE);
    expect(filesContaining(cli.home, PASSPHRASE)).toEqual([]);
    const logs = await runCli(cli, ['logs', 'devserver']);
    expect(logs.stdout).not.toContain(PASSPHRASE);
  });
});
