// A real sshd on a loopback port and one SSH connection to it, for suites that test the forward path
// itself (no simulated k3d): a fresh key, known_hosts holding exactly the server's keys, no ssh-agent.
import fs from 'node:fs';
import path from 'node:path';
import { openConnection } from '../../src/ssh/connection.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import type { SshConnection } from '../../src/ssh/types.js';
import { generateKey, type SshdHandle, startSshd } from '../devserver/sshd.js';

export interface LocalSshd {
  sshd: SshdHandle;
  connection: SshConnection;
  /** Closes the connection, then stops sshd by pid. */
  stop(): Promise<void>;
}

/** Starts sshd with its files under `work` and connects to it; the caller calls stop(). */
export async function connectToLocalSshd(work: string): Promise<LocalSshd> {
  const key = path.join(work, 'id_ed25519');
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  const sshd = await startSshd({
    dir: path.join(work, 'sshd'),
    authorizedKeys: [generateKey(key, 'ed25519')],
    setEnv: { HOME: home },
  });
  const knownHosts = path.join(work, 'known_hosts');
  fs.writeFileSync(knownHosts, `${sshd.knownHostsLines().join('\n')}\n`);
  const configFile = writeSshConfig({ work, sshd, key, knownHosts });
  const target = await resolveTarget('devserver', { configFile });
  const connection = await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } });
  const stop = async () => {
    connection.close();
    await connection.closed;
    await sshd.stop();
  };
  return { sshd, connection, stop };
}

/**
 * An ssh config with one Host "devserver" for this sshd: the key, these known_hosts files, no ssh-agent;
 * `extra` lines (e.g. StrictHostKeyChecking) go under the Host entry. Written to <work>/config.
 */
export function writeSshConfig(input: {
  work: string;
  sshd: SshdHandle;
  key: string;
  knownHosts: string;
  extra?: string[];
}): string {
  const { work, sshd, key, knownHosts } = input;
  const configFile = path.join(work, 'config');
  const lines = [
    'Host devserver',
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    `  User ${sshd.user}`,
    `  UserKnownHostsFile ${knownHosts}`,
    `  GlobalKnownHostsFile ${path.join(work, 'global_known_hosts')}`,
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    ...(input.extra ?? []).map((line) => `  ${line}`),
    '',
  ];
  fs.writeFileSync(configFile, lines.join('\n'));
  return configFile;
}
