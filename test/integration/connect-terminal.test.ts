// The person at the terminal: an unknown host key is asked about (with its fingerprint) through the
// detached session process, and recorded on "yes". A real pseudo-terminal comes from util-linux `script`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { BIN, type CliEnv, cliEnvsPerTest, sshConfigVariant } from './cli-helpers.js';

let devserver: DevServer;
let cli: CliEnv;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});
afterAll(async () => {
  await devserver?.stop();
});

/** Runs the CLI on a pseudo-terminal, typing `answer` once the prompt shows. */
function onTerminal(
  args: string[],
  prompt: RegExp,
  answer: string,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: cli.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    if (!answered && prompt.test(screen)) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    }),
  );
}

const withEmptyKnownHosts = (strict: 'ask' | 'yes') =>
  sshConfigVariant(devserver, cli, { knownHosts: '', strictHostKeyChecking: strict });

describe('on a terminal', () => {
  it('asks about an unknown host key with its fingerprint, records it on "yes", and connects', async () => {
    cli = newCli();
    const config = withEmptyKnownHosts('ask');
    const fingerprint = /SHA256:[A-Za-z0-9+/]{43}/;
    const result = await onTerminal(
      ['--ssh-config', config, 'connect', 'devserver', '--no-kubeconfig'],
      /yes\/no/,
      'yes',
    );
    expect(result.screen).toMatch(fingerprint);
    expect(result.screen).toContain('in the background');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(cli.home, 'known_hosts'), 'utf8')).toMatch(/ssh-ed25519 AAAA/);
  });

  it('answering "no" refuses the host and records nothing', async () => {
    cli = newCli();
    const config = withEmptyKnownHosts('ask');
    const result = await onTerminal(
      ['--ssh-config', config, 'connect', 'devserver', '--no-kubeconfig'],
      /yes\/no/,
      'no',
    );
    expect(result.screen).toMatch(/yes\/no/);
    expect(result.code).toBe(1);
    expect(result.screen).toMatch(/not in known_hosts/);
    expect(fs.readFileSync(path.join(cli.home, 'known_hosts'), 'utf8')).toBe('');
  });

  it('with StrictHostKeyChecking yes refuses without asking, as OpenSSH does', async () => {
    cli = newCli();
    const config = withEmptyKnownHosts('yes');
    const result = await onTerminal(['--ssh-config', config, 'clusters', 'devserver'], /yes\/no/, 'yes');
    expect(result.screen).not.toMatch(/yes\/no/);
    expect(result.screen).toContain('StrictHostKeyChecking is yes');
    expect(result.code).toBe(1);
  });
});
