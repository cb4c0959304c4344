// A real sshd behind a TCP relay that accepts first (as a TCP proxy, docker's port forward or the bench's
// delay relay do): while sshd is down, a connect is accepted and closed before any SSH banner, which the
// supervisor retries as quickly as a refusal after a lost connection (retry-policy.ts rule 2); once sshd is back, the same relay logs in.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/ssh/connection.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { nothingAnswered } from '../../src/supervisor/backoff.js';
import { sshdAvailable } from '../devserver/sshd.js';
import { connectToLocalSshd, type LocalSshd } from './local-sshd.js';

let work: string;
let local: LocalSshd | undefined;
let relay: net.Server | undefined;
const relayed = new Set<net.Socket>();
let target: SshTarget;

/** Accepts, then connects to `port`; closes the client's side when the upstream closes or refuses. */
async function startRelay(port: number): Promise<number> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      relayed.add(from);
      from.on('error', () => {});
      from.on('close', () => to.destroy());
      from.pipe(to);
    }
  });
  relay = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe.skipIf(!sshdAvailable())('sshd down behind a TCP relay', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-banner-'));
    local = await connectToLocalSshd(work);
    const port = await startRelay(local.sshd.port);
    // The relay's port, with known_hosts holding sshd's keys under it.
    const lines = local.sshd
      .knownHostsLines()
      .map((line) => line.replace(`:${local?.sshd.port} `, `:${port} `));
    fs.writeFileSync(path.join(work, 'known_hosts'), `${lines.join('\n')}\n`);
    target = { ...(await resolveTarget('devserver', { configFile: path.join(work, 'config') })), port };
  });

  afterAll(async () => {
    for (const socket of relayed) socket.destroy();
    await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
    await local?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('while sshd is down the attempt reached nothing that speaks SSH; once it is back it logs in', async () => {
    await local?.sshd.crash();
    const error = (await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } }).catch(
      (caught: unknown) => caught,
    )) as Error;
    expect(error.message).toContain('before the server sent its SSH identification');
    expect(nothingAnswered(error)).toBe('closed-before-ident');
    await local?.sshd.restart();
    const connection = await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } });
    connection.close();
    await connection.closed;
  });
});
