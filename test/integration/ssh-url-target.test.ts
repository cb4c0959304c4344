// The docs and the -p hint say a target may be ssh://user@host:port (no -p, no Host entry needed for the
// port): checked end to end with the real CLI, the real `ssh -G` and the simulator's real sshd.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { cliEnvsPerTest, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

describe('an ssh://user@host:port target', () => {
  it('reaches the dev server with the user and port from the URL, the key and known_hosts from the config', async () => {
    const cli = newCli();
    // Only what the URL cannot say: which key, which known_hosts. No HostName, User or Port.
    const config = path.join(cli.home, 'ssh_config');
    fs.writeFileSync(
      config,
      [
        `Host ${devserver.host}`,
        `  IdentityFile ${devserver.clientKeyFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${devserver.knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    const target = `ssh://${devserver.user}@${devserver.host}:${devserver.port}`;
    const result = await runCli(cli, ['--ssh-config', config, 'clusters', target]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+STATE/m);
    expect(result.stdout).toMatch(/running/);
  });
});
