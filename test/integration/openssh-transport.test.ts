// The OpenSSH transport against a real sshd on loopback: the master logs in with the user's config
// (written by writeSshConfig), runs commands and forwards through it, relays a passphrase question,
// refuses an unknown host key when unattended, and reports how it ended. Every ssh it starts is checked
// gone by pid, and its private directory removed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenSshOptions, openOpenSsh } from '../../src/openssh/connection.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import type { SshLink } from '../../src/ssh/types.js';
import { generateKey, type SshdHandle, sshdAvailable, startSshd } from '../devserver/sshd.js';
import { writeSshConfig } from './local-sshd.js';

const PASSPHRASE = 'correct horse';

let work: string;
let sshd: SshdHandle;
let echo: net.Server;
let echoPort: number;
const open: SshLink[] = [];

function privateDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('tun-'));
}

/** Pids of ssh processes whose command line names `dir`. */
function sshProcessesIn(dir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /\bssh\b/.test(line) && line.includes(dir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function connect(input: { key?: string; knownHosts?: string; options?: Partial<OpenSshOptions> } = {}) {
  const configFile = writeSshConfig({
    work,
    sshd,
    key: input.key ?? path.join(work, 'id_plain'),
    knownHosts: input.knownHosts ?? path.join(work, 'known_hosts'),
  });
  const target = await resolveTarget('devserver', { configFile });
  const link = await openOpenSsh(target, {
    configFile,
    hostKeyPolicy: { acceptNewHostKey: false },
    reason: 'test',
    ...input.options,
  });
  open.push(link);
  return link;
}

function roundTrip(stream: Duplex, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', reject);
    stream.end(payload);
  });
}

describe.skipIf(!sshdAvailable())('the OpenSSH transport', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-openssh-'));
    const plain = generateKey(path.join(work, 'id_plain'), 'ed25519');
    const locked = generateKey(path.join(work, 'id_locked'), 'ed25519', PASSPHRASE);
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    sshd = await startSshd({
      dir: path.join(work, 'sshd'),
      authorizedKeys: [plain, locked],
      setEnv: { HOME: home },
    });
    fs.writeFileSync(path.join(work, 'known_hosts'), `${sshd.knownHostsLines().join('\n')}\n`);
    // Echoes each connection back to its sender, then ends it.
    echo = net.createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    for (const link of open.splice(0)) {
      link.close();
      await link.closed;
    }
  });

  afterAll(async () => {
    await new Promise((resolve) => echo?.close(resolve));
    await sshd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('runs commands through the master: stdout, stderr, exit code and stdin', async () => {
    const link = await connect();
    expect(link.transport).toEqual({ kind: 'openssh', reason: 'test' });
    const result = await link.exec(['sh', '-c', 'cat; echo "to err $1" >&2; exit 3', 'sh', "it's"], {
      stdin: 'from stdin\n',
    });
    expect(result).toMatchObject({ stdout: 'from stdin\n', stderr: "to err it's\n", code: 3 });
    const shell = await link.execShell('echo $((6 * 7))');
    expect(shell.stdout).toBe('42\n');
    expect(link.bytesReceived).toBeGreaterThan(0);
    expect(await link.ping()).toBe(true);
  });

  it('bounds exec output as maxOutputBytes says', async () => {
    const link = await connect();
    const result = await link.exec(['head', '-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toBe(true);
  });

  it('forwards to a port on the dev server, many connections at once', async () => {
    const link = await connect();
    const before = link.bytesReceived;
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, index) =>
        roundTrip(await link.forwardOut('127.0.0.1', echoPort), `hello ${index}`),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 40 }, (_, index) => `hello ${index}`));
    expect(link.bytesReceived - before).toBeGreaterThanOrEqual(answers.join('').length);
  });

  it('asks for a key passphrase through the relay', async () => {
    const asked: string[] = [];
    const key = path.join(work, 'id_locked');
    const link = await connect({
      key,
      options: {
        askPassphrase: async (file) => {
          asked.push(file);
          return PASSPHRASE;
        },
      },
    });
    expect(asked).toEqual([key]);
    expect((await link.exec(['echo', 'in'])).stdout).toBe('in\n');
  });

  it('refuses an unknown host key when unattended and leaves known_hosts alone', async () => {
    const knownHosts = path.join(work, 'empty_known_hosts');
    fs.writeFileSync(knownHosts, '');
    const dirs = privateDirs();
    const opening = connect({
      knownHosts,
      options: { hostKeyPolicy: { acceptNewHostKey: true, unattended: true, prompt: async () => true } },
    });
    await expect(opening).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe('');
    expect(privateDirs()).toEqual(dirs);
  });

  it('says the server went away when sshd crashes', async () => {
    const link = await connect();
    await sshd.crash();
    try {
      const reason = await link.closed;
      expect(reason.kind).toBe('remote');
      expect(await link.ping()).toBe(false);
    } finally {
      await sshd.restart();
    }
  });

  it('close() ends the master, leaves no ssh running and removes its directory', async () => {
    const dirs = privateDirs();
    const link = await connect();
    const [dir] = privateDirs().filter((name) => !dirs.includes(name));
    expect(dir).toBeDefined();
    const full = path.join(os.tmpdir(), dir ?? '');
    expect(fs.statSync(full).mode & 0o777).toBe(0o700);
    await link.forwardOut('127.0.0.1', echoPort).then((stream) => stream.destroy());
    const pids = sshProcessesIn(full);
    expect(pids.length).toBe(1);
    link.close();
    expect(await link.closed).toMatchObject({ kind: 'local' });
    expect(sshProcessesIn(full)).toEqual([]);
    expect(fs.existsSync(full)).toBe(false);
  });
});
