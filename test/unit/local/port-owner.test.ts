import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyCommandLine, findPortOwner, portOwnerHint } from '../../../src/local/port-owner.js';

describe('classifyCommandLine', () => {
  it.each([
    ['kubectl port-forward svc/web 8080:80', 'kubectl-port-forward'],
    ['/usr/local/bin/kubectl -n shop port-forward pod/web-0 8080', 'kubectl-port-forward'],
    ['oc port-forward svc/web 8080:80', 'kubectl-port-forward'],
    ['kubectl proxy --port 8080', 'other'],
    ['ssh -N -L 8080:localhost:8080 devserver', 'ssh-forward'],
    ['/usr/bin/ssh -fNL 8080:127.0.0.1:80 dev', 'ssh-forward'],
    ['ssh -D 1080 dev', 'ssh-forward'],
    ['ssh -o LocalForward=8080 127.0.0.1:80 dev', 'ssh-forward'],
    ['ssh -oLogLevel=ERROR dev', 'other'],
    ['/usr/bin/node /opt/tunnel/bin/tunnel.js __agent', 'tunnel-agent'],
    ['nginx: master process nginx', 'other'],
    ['', 'unknown'],
  ])('%s → %s', (commandLine, kind) => {
    expect(classifyCommandLine(commandLine)).toBe(kind);
  });
});

// The agent as spawn.ts and the login item start it: node, AGENT_NODE_FLAGS, bin/tunnel.js, __agent.
const FNM_NODE = '/Users/me/Library/Application Support/fnm/node-versions/v20.11.0/installation/bin/node';
const SPACED_BIN = '/Users/John Smith/.npm-global/lib/node_modules/tunnel/bin/tunnel.js';
const FLAGS = ['--initial-old-space-size=64', '--expose-gc'];

describe('tunnel agent at a path with a space', () => {
  it.each([
    [
      'fnm node under Application Support',
      [FNM_NODE, ...FLAGS, '/opt/homebrew/lib/node_modules/tunnel/bin/tunnel.js', '__agent'],
    ],
    [
      'a home directory with a space',
      ['/Users/John Smith/.volta/tools/image/node/20.11.0/bin/node', ...FLAGS, SPACED_BIN, '__agent'],
    ],
    ['both, and no flags', [FNM_NODE, SPACED_BIN, '__agent']],
  ])('%s: macOS ps line and Linux argv both read as the agent', (_name, argv) => {
    // ps -ww -o command= prints argv joined with single spaces.
    expect(classifyCommandLine(argv.join(' '))).toBe('tunnel-agent');
    expect(classifyCommandLine(argv)).toBe('tunnel-agent');
  });

  it('macOS: the agent found through lsof + ps is not a stranger to kill', async () => {
    const owner = await findPortOwner(6443, {
      platform: 'darwin',
      run: async (command, args) => {
        if (command === 'lsof')
          return 'COMMAND   PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\nnode    51234   me   23u  IPv4 0x8d2c1a3e5f7b9d01      0t0  TCP 127.0.0.1:6443 (LISTEN)\n';
        if (command === 'ps' && args.includes('51234'))
          return `${[FNM_NODE, ...FLAGS, SPACED_BIN, '__agent'].join(' ')}\n`;
        return '';
      },
    });
    expect(owner?.kind).toBe('tunnel-agent');
    expect(portOwnerHint(owner, 6443, 'darwin')).toBe('See which session forwards it: tunnel status');
  });

  it('Linux: /proc/<pid>/cmdline keeps each argv word whole', async () => {
    const owner = await findPortOwner(6443, {
      platform: 'linux',
      run: async () => 'LISTEN 0 511 127.0.0.1:6443 0.0.0.0:* users:(("node",pid=4321,fd=23))\n',
      commandLineOf: async () => [
        '/home/John Smith/.local/share/fnm/node-versions/v20/installation/bin/node',
        ...FLAGS,
        SPACED_BIN,
        '__agent',
      ],
    });
    expect(owner).toMatchObject({ kind: 'tunnel-agent', commandLine: expect.stringContaining('John Smith') });
  });

  it.each([
    ['a node script that is not the agent', ['/usr/bin/node', '/srv/app/server.js']],
    ['tunnel run in the foreground', [FNM_NODE, SPACED_BIN, 'connect', 'dev', '--foreground']],
    ['a word __agent in another program', ['/usr/bin/python3', 'tunnel.js', '__agent']],
  ])('%s is not the agent', (_name, argv) => {
    expect(classifyCommandLine(argv)).not.toBe('tunnel-agent');
    expect(classifyCommandLine(argv.join(' '))).not.toBe('tunnel-agent');
  });
});

// Any local user's process can hold a port tunnel wants and make its ps line up to 1 MiB (runQuietly's
// limit); the agent classifies it while it assigns ports, so the match must not stall the event loop. A
// pattern with nested `.*` took about 70 s on this line; the suite's timeout catches a hang.
describe('a hostile command line', () => {
  const hostile = 'x/node /tunnel '.repeat((1024 * 1024) / 15);

  it('a 1 MiB line of near-matches is another program', () => {
    expect(hostile.length).toBeGreaterThan(1_000_000);
    expect(classifyCommandLine(hostile)).toBe('other');
  });

  it("a line padded past any real agent's length is not the agent, even when it ends like one", () => {
    const padded = `/usr/bin/node ${'a'.repeat(8192)} /opt/tunnel/bin/tunnel.js __agent`;
    expect(classifyCommandLine(padded)).toBe('other');
    expect(classifyCommandLine(`${hostile}tunnel.js __agent`)).toBe('other');
  });
});

describe('findPortOwner', () => {
  it('Linux: ss -ltnpH for the port, then the command line of its pid', async () => {
    const calls: string[] = [];
    const owner = await findPortOwner(8080, {
      platform: 'linux',
      run: async (command, args) => {
        calls.push([command, ...args].join(' '));
        return 'LISTEN 0 511 127.0.0.1:8080 0.0.0.0:* users:(("kubectl",pid=4242,fd=8))\n';
      },
      commandLineOf: async (pid) => (pid === 4242 ? 'kubectl port-forward svc/web 8080:80' : undefined),
    });
    expect(calls).toEqual(['ss -ltnpH sport = :8080']);
    expect(owner).toMatchObject({
      pid: 4242,
      kind: 'kubectl-port-forward',
      description: 'kubectl port-forward (pid 4242)',
      commandLine: 'kubectl port-forward svc/web 8080:80',
    });
    expect(portOwnerHint(owner, 8080, 'linux')).toBe(
      "Stop it if you no longer need it: kill 4242 (check first: ss -ltnp 'sport = :8080')",
    );
  });

  it('macOS: lsof, and an ssh -L named as such', async () => {
    const owner = await findPortOwner(2222, {
      platform: 'darwin',
      run: async (command) =>
        command === 'lsof'
          ? 'COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\nssh 77 me 5u IPv4 0x1 0t0 TCP 127.0.0.1:2222 (LISTEN)\n'
          : '',
      commandLineOf: async () => 'ssh -N -L 2222:localhost:22 jump',
    });
    expect(owner?.description).toBe('an ssh -L tunnel (pid 77)');
    expect(portOwnerHint(owner, 2222, 'darwin')).toContain('lsof +c 0 -nP -iTCP:2222 -sTCP:LISTEN');
  });

  it("a listener without a visible process (another user's) is described as such; none at all is undefined", async () => {
    const hidden = await findPortOwner(80, {
      platform: 'linux',
      run: async () => 'LISTEN 0 511 0.0.0.0:80 0.0.0.0:*\n',
    });
    expect(hidden?.kind).toBe('unknown');
    expect(hidden?.description).toContain('cannot see');
    expect(portOwnerHint(hidden, 80, 'linux')).toContain('as root');
    expect(await findPortOwner(81, { platform: 'linux', run: async () => '' })).toBeUndefined();
  });

  // The real tools (ss, then /proc or ps; lsof and ps on macOS) against a port this test listens on.
  it.each(['linux', 'darwin'] as const)(
    'finds this very process with the real tools (%s flavour)',
    async (platform) => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const owner = await findPortOwner(port, { platform });
        expect(owner).toMatchObject({ port, pid: process.pid, kind: 'other' });
        expect(owner?.commandLine).toContain(process.execPath.split('/').at(-1));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  // A stand-in for the agent started as spawn.ts does, from a node and a bin path that both hold a
  // space: the real ss + /proc (Linux) and lsof + `ps -ww -o command=` (the macOS flavour) see it.
  it.each(['linux', 'darwin'] as const)(
    'finds an agent at paths with spaces with the real tools (%s flavour)',
    async (platform) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-owner-'));
      const node = path.join(dir, 'Application Support', 'fnm', 'bin', 'node');
      const bin = path.join(dir, 'John Smith', 'lib', 'tunnel', 'bin', 'tunnel.js');
      fs.mkdirSync(path.dirname(node), { recursive: true });
      fs.mkdirSync(path.dirname(bin), { recursive: true });
      fs.symlinkSync(process.execPath, node);
      fs.writeFileSync(
        bin,
        "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port));\n",
      );
      const child = spawn(node, ['--expose-gc', bin, '__agent'], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
          child.once('exit', () => reject(new Error('the stand-in exited')));
        });
        const owner = await findPortOwner(port, { platform });
        expect(owner).toMatchObject({ port, pid: child.pid, kind: 'tunnel-agent' });
        expect(portOwnerHint(owner, port, platform)).toBe('See which session forwards it: tunnel status');
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
