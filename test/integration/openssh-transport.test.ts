// The OpenSSH transport against a real sshd on loopback: the master logs in with the user's config
// (written by writeSshConfig), runs commands and forwards through it, relays a passphrase question,
// refuses an unknown host key when unattended, and reports how it ended. Every ssh it starts is checked
// gone by pid, and its private directory removed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Duplex, Readable } from 'node:stream';
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

interface ConnectInput {
  key?: string;
  knownHosts?: string;
  /** Lines for the Host block of the ssh config. */
  extra?: string[];
  options?: Partial<OpenSshOptions>;
}

async function connect(input: ConnectInput = {}) {
  const configFile = writeSshConfig({
    work,
    sshd,
    key: input.key ?? path.join(work, 'id_plain'),
    knownHosts: input.knownHosts ?? path.join(work, 'known_hosts'),
    extra: input.extra ?? [],
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

/** The sshd processes serving connections (everything below the listener). */
function connectionProcesses(): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((row) => row.length === 2);
  const found = [sshd.pid() ?? -1];
  for (let index = 0; index < found.length; index++) {
    for (const [pid, ppid] of rows) if (ppid === found[index] && pid !== undefined) found.push(pid);
  }
  return found.slice(1);
}

function signal(pids: number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  }
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
    generateKey(path.join(work, 'id_stranger'), 'ed25519');
    const locked = generateKey(path.join(work, 'id_locked'), 'ed25519', PASSPHRASE);
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    sshd = await startSshd({
      dir: path.join(work, 'sshd'),
      authorizedKeys: [plain, locked],
      setEnv: { HOME: home },
      // Offered, never accepted (no PAM, and no password that would match): only the asking is tested.
      extraConfig: ['Match all', 'PasswordAuthentication yes'],
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
    const piped = await link.exec(['wc', '-c'], { stdin: Readable.from([Buffer.alloc(70_000, 1)]) });
    expect(piped.stdout.trim()).toBe('70000');
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
      await expect(link.exec(['true'])).rejects.toMatchObject({ code: 'REMOTE_COMMAND' });
      await expect(link.forwardOut('127.0.0.1', echoPort)).rejects.toMatchObject({ code: 'FORWARD' });
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

  it('asks whether to trust a new host key when the config says ask, and records it on yes', async () => {
    const knownHosts = path.join(work, 'new_known_hosts');
    for (const answer of [false, true]) {
      fs.writeFileSync(knownHosts, '');
      const questions: string[] = [];
      const logged: string[] = [];
      const prompt = async (question: string) => {
        questions.push(question);
        return answer;
      };
      const opening = connect({
        knownHosts,
        extra: ['StrictHostKeyChecking ask'],
        options: {
          hostKeyPolicy: { acceptNewHostKey: false, prompt },
          log: (_level, message) => logged.push(message),
        },
      });
      if (answer) await opening;
      else await expect(opening).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
      expect(questions).toHaveLength(1);
      expect(questions[0]).toMatch(/authenticity of host .*\n.*SHA256:/);
      expect(logged.some((line) => line.startsWith('Permanently added'))).toBe(answer);
      expect(fs.readFileSync(knownHosts, 'utf8')).toBe(
        answer ? `${sshd.knownHostsLines()[0]}\n`.replace(/ host$/, '') : '',
      );
    }
  });

  it('refuses a changed host key as HOST_KEY_CHANGED, even under StrictHostKeyChecking no', async () => {
    const knownHosts = path.join(work, 'changed_known_hosts');
    const other = fs
      .readFileSync(path.join(work, 'id_stranger.pub'), 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' ');
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${other}\n`);
    for (const strict of ['yes', 'no']) {
      const opening = connect({ knownHosts, extra: [`StrictHostKeyChecking ${strict}`] });
      await expect(opening).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    }
  });

  it('a password nobody can answer is SSH_NEEDS_ANSWER, with no password sent', async () => {
    const key = path.join(work, 'id_stranger');
    await expect(connect({ key })).rejects.toMatchObject({ code: 'SSH_NEEDS_ANSWER' });
    const asked: string[] = [];
    const askSecret = async (question: { prompt: string }) => {
      asked.push(question.prompt);
      return undefined;
    };
    await expect(connect({ key, options: { askSecret } })).rejects.toMatchObject({
      code: 'SSH_NEEDS_ANSWER',
    });
    expect(asked).toEqual([`${sshd.user}@127.0.0.1's password: `]);
    expect(fs.readFileSync(sshd.logFile, 'utf8')).not.toMatch(/Failed password/);
  });

  it('a wrong password is SSH_AUTH after NumberOfPasswordPrompts tries', async () => {
    let asked = 0;
    const askSecret = async () => {
      asked++;
      return 'wrong';
    };
    const opening = connect({
      key: path.join(work, 'id_stranger'),
      extra: ['NumberOfPasswordPrompts 2'],
      options: { askSecret },
    });
    await expect(opening).rejects.toMatchObject({ code: 'SSH_AUTH' });
    expect(asked).toBe(2);
  });

  it('sees a silent server through ServerAlive and says keepalive', async () => {
    const link = await connect({ extra: ['ServerAliveInterval 1', 'ServerAliveCountMax 2'] });
    const frozen = connectionProcesses();
    expect(frozen.length).toBeGreaterThan(0);
    signal(frozen, 'SIGSTOP');
    try {
      expect(await link.closed).toMatchObject({ kind: 'keepalive' });
    } finally {
      signal(frozen, 'SIGKILL');
      signal(frozen, 'SIGCONT');
    }
  });

  describe('through a ProxyJump hop (the same sshd, under another name and known_hosts)', () => {
    const JUMP = 'tunnel-test-jump';

    /** The devserver entry with `ProxyJump`, and the jump's own Host block after it. */
    async function throughJump(
      jump: { key: string; knownHosts: string; extra: string[] },
      options: Partial<OpenSshOptions>,
    ) {
      const configFile = writeSshConfig({
        work,
        sshd,
        key: path.join(work, 'id_plain'),
        knownHosts: path.join(work, 'known_hosts'),
        extra: [`ProxyJump ${JUMP}`],
      });
      const block = [
        `Host ${JUMP}`,
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  UserKnownHostsFile ${jump.knownHosts}`,
        `  GlobalKnownHostsFile ${path.join(work, 'global_known_hosts')}`,
        `  IdentityFile ${jump.key}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        ...jump.extra.map((line) => `  ${line}`),
        '',
      ];
      fs.appendFileSync(configFile, block.join('\n'));
      const target = await resolveTarget('devserver', { configFile });
      const link = await openOpenSsh(target, {
        configFile,
        hostKeyPolicy: { acceptNewHostKey: false },
        reason: 'test',
        ...options,
      });
      open.push(link);
      return link;
    }

    function jumpProcesses(): string[] {
      return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(JUMP) && /\bssh\b/.test(line));
    }

    it('logs in through the jump', async () => {
      const link = await throughJump(
        { key: path.join(work, 'id_plain'), knownHosts: path.join(work, 'known_hosts'), extra: [] },
        {},
      );
      expect((await link.exec(['echo', 'via jump'])).stdout).toBe('via jump\n');
    });

    it("an unattended master never trusts a new jump key, whatever the jump's own config says", async () => {
      const knownHosts = path.join(work, 'jump_known_hosts');
      fs.writeFileSync(knownHosts, '');
      const dirs = privateDirs();
      const opening = throughJump(
        { key: path.join(work, 'id_plain'), knownHosts, extra: ['StrictHostKeyChecking accept-new'] },
        { hostKeyPolicy: { acceptNewHostKey: false, unattended: true } },
      );
      await expect(opening).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
      expect(fs.readFileSync(knownHosts, 'utf8')).toBe('');
      expect(privateDirs()).toEqual(dirs);
      expect(jumpProcesses()).toEqual([]);
    });

    it('a jump password nobody answers is SSH_NEEDS_ANSWER: the jump gets no empty password', async () => {
      const logBefore = fs.readFileSync(sshd.logFile, 'utf8').length;
      const asked: string[] = [];
      const opening = throughJump(
        { key: path.join(work, 'id_stranger'), knownHosts: path.join(work, 'known_hosts'), extra: [] },
        {
          askSecret: async (question) => {
            asked.push(question.prompt);
            return undefined;
          },
        },
      );
      await expect(opening).rejects.toMatchObject({ code: 'SSH_NEEDS_ANSWER' });
      expect(asked).toEqual([`${sshd.user}@127.0.0.1's password: `]);
      expect(jumpProcesses()).toEqual([]);
      // sshd logs a refused password after the connection's end; give a late one the time to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fs.readFileSync(sshd.logFile, 'utf8').slice(logBefore)).not.toMatch(/Failed password/);
    });
  });

  it('stops a login that takes too long, or that is cancelled while a question waits', async () => {
    // Accepts and says nothing (no SSH banner); reading lets its end of the connection close after ssh's.
    const silent = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dirs = privateDirs();
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const configFile = writeSshConfig({
        work,
        sshd: { ...sshd, port },
        key: path.join(work, 'id_plain'),
        knownHosts: path.join(work, 'known_hosts'),
      });
      const target = await resolveTarget('devserver', { configFile });
      const opening = openOpenSsh(target, {
        configFile,
        hostKeyPolicy: { acceptNewHostKey: false },
        reason: undefined,
        readyTimeoutMs: 1000,
      });
      await expect(opening).rejects.toMatchObject({
        code: 'SSH_CONNECT',
        message: /not logged in within 1 s/,
      });
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
    const controller = new AbortController();
    const cancelled = connect({
      key: path.join(work, 'id_locked'),
      options: {
        signal: controller.signal,
        askPassphrase: () => {
          controller.abort(new Error('cancelled by the test'));
          return new Promise(() => {});
        },
      },
    });
    await expect(cancelled).rejects.toThrow('cancelled by the test');
    expect(privateDirs()).toEqual(dirs);
  });
});
