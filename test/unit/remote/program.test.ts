// The one find routine for programs on the dev server (k3d, docker), over a fake SshConnection: the
// order it asks in (session PATH → the user's login shell → bash, sh → install paths), and that a program a
// login shell found is run through that login shell, with what the profile printed left out.
import { describe, expect, it } from 'vitest';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import {
  afterMarker,
  findProgram,
  loginShellCommand,
  pasteCommand,
  RUN_MARKER,
  runProgram,
  userLoginShell,
} from '../../../src/remote/program.js';
import type { ExecOptions, ExecResult, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

type Call = { kind: 'exec'; argv: string[] } | { kind: 'shell'; script: string };
type Reply = Partial<ExecResult>;

const SHELL_QUERY = (call: Call) => call.kind === 'shell' && call.script.includes('getent passwd');
const VIA_PATH = (name: string) => (call: Call) =>
  call.kind === 'shell' && call.script === `command -v ${name}`;
const SHELL_PROBE = (shell: string) => (call: Call) =>
  call.kind === 'exec' && call.argv[0] === shell && call.argv.at(-1) === 'true';
const INSTALL_PATHS = (call: Call) => call.kind === 'shell' && call.script.includes('test -x');
const loginFind = (shell: string, name: string) => (call: Call) =>
  call.kind === 'exec' && call.argv[0] === shell && call.argv.at(-1) === `command -v ${name}`;

/** A fake dev server: records every call, answers from `reply` (exit 127 when it returns undefined). */
function fakeServer(reply: (call: Call, options: ExecOptions) => Reply | undefined) {
  const calls: Call[] = [];
  const answer = async (call: Call, options: ExecOptions = {}): Promise<ExecResult> => {
    calls.push(call);
    const result = {
      stdout: '',
      stderr: '',
      code: 0,
      signal: undefined,
      ...(reply(call, options) ?? { code: 127 }),
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      // Two chunks, the first ending mid-line: streaming must not depend on chunk boundaries.
      const text = result[stream];
      const cut = Math.floor(text.length / 2);
      for (const part of [text.slice(0, cut), text.slice(cut)])
        if (part) options.onOutput?.(stream, Buffer.from(part));
    }
    return result;
  };
  const conn: SshLink = {
    target: sshTarget({ alias: 'devbox' }),
    exec: (argv, options) => answer({ kind: 'exec', argv: [...argv] }, options),
    execShell: (script, options) => answer({ kind: 'shell', script }, options),
    forwardOut: () => Promise.reject(new Error('not used')),
    closed: new Promise(() => {}),
    close: () => {},
    ping: async () => true,
    bytesReceived: 0,
  };
  return { conn, calls };
}

/** What a login shell prints around the program it runs: its profile's banner, then the marker lines. */
function throughLoginShell(stdout: string, stderr = ''): Reply {
  return {
    stdout: `Welcome to devbox!\n${RUN_MARKER}\n${stdout}`,
    stderr: `bash: warning: setlocale\n${RUN_MARKER}\n${stderr}`,
  };
}

describe('findProgram', () => {
  it('asks in order: session PATH, the user login shell, bash, sh, then the install paths', async () => {
    const { conn, calls } = fakeServer((call) => {
      if (SHELL_QUERY(call)) return { stdout: '/usr/bin/zsh\n' };
      if (SHELL_PROBE('/usr/bin/zsh')(call)) return throughLoginShell('');
      if (INSTALL_PATHS(call)) return { stdout: '/opt/bin/docker\n' };
      return { code: 1 };
    });
    const outcome = await findProgram(conn, { name: 'docker', installPaths: ['/opt/bin/docker'] });
    expect(
      calls.map((call) => (call.kind === 'shell' ? call.script.slice(0, 40) : call.argv.join(' '))),
    ).toEqual([
      'command -v docker',
      expect.stringContaining('SHELL'),
      expect.stringMatching(/^\/usr\/bin\/zsh -l -c printf .* true$/),
      '/usr/bin/zsh -l -c command -v docker',
      'bash -l -c command -v docker',
      'sh -l -c command -v docker',
      expect.stringContaining('for p in "/opt/bin/docker"'),
    ]);
    // Found at an install path (no shell's PATH has it): run through the user's login shell.
    expect(outcome.program).toEqual({
      path: '/opt/bin/docker',
      foundVia: 'install path',
      shell: '/usr/bin/zsh',
      command: loginShellCommand('/usr/bin/zsh', '/opt/bin/docker'),
    });
  });

  it('runs a program found on the session PATH through the login shell, so the profile DOCKER_HOST applies', async () => {
    // Rootless docker: docker in /usr/bin (on every PATH), DOCKER_HOST set only in ~/.profile.
    const { conn, calls } = fakeServer((call) => {
      if (VIA_PATH('docker')(call)) return { stdout: '/usr/bin/docker\n' };
      if (SHELL_QUERY(call)) return { stdout: '/bin/bash\n' };
      if (SHELL_PROBE('/bin/bash')(call)) return throughLoginShell('');
      if (call.kind === 'exec' && call.argv.includes('version')) return throughLoginShell('28.5.1\n');
      return { code: 1 };
    });
    const { program } = await findProgram(conn, { name: 'docker', installPaths: [] });
    expect(program).toEqual({
      path: '/usr/bin/docker',
      foundVia: 'PATH',
      shell: '/bin/bash',
      command: loginShellCommand('/bin/bash', '/usr/bin/docker'),
    });
    const result = await runProgram(conn, program!, ['version']);
    expect(calls.at(-1)).toEqual({
      kind: 'exec',
      argv: [...loginShellCommand('/bin/bash', '/usr/bin/docker'), 'version'],
    });
    expect(result).toMatchObject({ code: 0, stdout: '28.5.1\n', stderr: '' });
  });

  it('runs a program on the session PATH as it is when the login shell is not usable (its profile exits)', async () => {
    const { conn } = fakeServer((call) => {
      if (VIA_PATH('k3d')(call)) return { stdout: '/usr/local/bin/k3d\n' };
      if (SHELL_QUERY(call)) return { stdout: '/bin/bash\n' };
      // The probe: the profile exits before the marker.
      if (SHELL_PROBE('/bin/bash')(call)) return { stdout: 'bye\n' };
      return { code: 1 };
    });
    const outcome = await findProgram(conn, { name: 'k3d', installPaths: [] });
    expect(outcome.program).toEqual({
      path: '/usr/local/bin/k3d',
      foundVia: 'PATH',
      command: ['/usr/local/bin/k3d'],
    });
  });

  it("finds through the user's own login shell and runs through it, so the profile's DOCKER_HOST applies", async () => {
    const { conn, calls } = fakeServer((call) => {
      if (SHELL_QUERY(call)) return { stdout: '/usr/bin/zsh\n' };
      if (SHELL_PROBE('/usr/bin/zsh')(call)) return throughLoginShell('');
      if (loginFind('/usr/bin/zsh', 'docker')(call))
        return { stdout: 'hello from .zprofile\n/home/dev/bin/docker\n' };
      if (call.kind === 'exec' && call.argv[0] === '/usr/bin/zsh' && call.argv.includes('ps'))
        return throughLoginShell('CONTAINER ID\n');
      return { code: 1 };
    });
    const { program } = await findProgram(conn, { name: 'docker', installPaths: [] });
    expect(program).toMatchObject({
      path: '/home/dev/bin/docker',
      foundVia: 'login shell',
      shell: '/usr/bin/zsh',
    });
    expect(calls.some(loginFind('bash', 'docker'))).toBe(false);
    const result = await runProgram(conn, program!, ['ps', '--format', '{{.ID}} $HOME']);
    // One exec: the login shell, a constant script taking "$0" "$@", then every word as its own argv word.
    expect(calls.at(-1)).toEqual({
      kind: 'exec',
      argv: [
        '/usr/bin/zsh',
        '-l',
        '-c',
        `printf '%s\\n' ${RUN_MARKER}; printf '%s\\n' ${RUN_MARKER} >&2; exec "$0" "$@"`,
        '/home/dev/bin/docker',
        'ps',
        '--format',
        '{{.ID}} $HOME',
      ],
    });
    expect(result).toMatchObject({ stdout: 'CONTAINER ID\n', stderr: '', code: 0 });
  });

  it('drives fish with its own script ($argv) and falls back to bash for a shell it does not know', async () => {
    const fish = fakeServer((call) => {
      if (SHELL_QUERY(call)) return { stdout: '/usr/bin/fish\n' };
      if (SHELL_PROBE('/usr/bin/fish')(call)) return throughLoginShell('');
      if (loginFind('/usr/bin/fish', 'k3d')(call)) return { stdout: '/home/dev/.local/bin/k3d\n' };
      return { code: 1 };
    });
    const fromFish = await findProgram(fish.conn, { name: 'k3d', installPaths: [] });
    expect(fromFish.program?.command).toEqual([
      '/usr/bin/fish',
      '-l',
      '-c',
      `printf '%s\\n' ${RUN_MARKER}; printf '%s\\n' ${RUN_MARKER} >&2; exec $argv`,
      '/home/dev/.local/bin/k3d',
    ]);
    const tcsh = fakeServer((call) => {
      if (SHELL_QUERY(call)) return { stdout: '/bin/tcsh\n' };
      if (loginFind('bash', 'k3d')(call)) return { stdout: '/home/dev/.local/bin/k3d\n' };
      return { code: 1 };
    });
    const fromBash = await findProgram(tcsh.conn, { name: 'k3d', installPaths: [] });
    expect(tcsh.calls.some((call) => call.kind === 'exec' && call.argv[0] === '/bin/tcsh')).toBe(false);
    expect(fromBash.program).toMatchObject({ foundVia: 'login shell', shell: 'bash' });
  });

  it('uses no login shell the server names with odd characters', async () => {
    for (const answer of ['/bin/bash; touch /tmp/x\n', 'bash\n', `/${'a'.repeat(300)}\n`, '']) {
      const { conn } = fakeServer((call) => (SHELL_QUERY(call) ? { stdout: answer } : { code: 1 }));
      expect(await userLoginShell(conn)).toBeUndefined();
    }
  });
});

describe('runProgram', () => {
  it('sets the variables it is given with env, after the profile (so they win), but not for a shell function', async () => {
    const { conn, calls } = fakeServer(() => throughLoginShell('[]\n'));
    const env = { LOG_LEVEL: 'info' };
    const k3d = { command: loginShellArgv(), shell: 'bash', path: '/home/dev/.local/bin/k3d' };
    await runProgram(conn, k3d, ['cluster', 'list'], { env });
    expect((calls.at(-1) as { argv: string[] }).argv.slice(4)).toEqual([
      'env',
      'LOG_LEVEL=info',
      '/home/dev/.local/bin/k3d',
      'cluster',
      'list',
    ]);
    await runProgram(conn, k3d, ['image', 'import', '-'], { env, stdinFile: '/tmp/t.tar' });
    expect((calls.at(-1) as { argv: string[] }).argv.slice(4, 8)).toEqual([
      '/tmp/t.tar',
      'env',
      'LOG_LEVEL=info',
      '/home/dev/.local/bin/k3d',
    ]);
    const plain = fakeServer(() => ({ stdout: '[]\n' }));
    await runProgram(plain.conn, { command: ['/usr/bin/k3d'], path: '/usr/bin/k3d' }, ['version'], { env });
    expect(plain.calls.at(-1)).toEqual({
      kind: 'exec',
      argv: ['env', 'LOG_LEVEL=info', '/usr/bin/k3d', 'version'],
    });
    // A k3d that is a function or alias of the session's shell: env would run another k3d (or none).
    await runProgram(plain.conn, { command: ['k3d'], path: 'k3d' }, ['version'], { env });
    expect(plain.calls.at(-1)).toEqual({ kind: 'exec', argv: ['k3d', 'version'] });
  });

  it("pins through fish's own scripts too, and never a path env would read as an assignment", async () => {
    const { conn, calls } = fakeServer(() => throughLoginShell('[]\n'));
    const env = { LOG_LEVEL: 'info' };
    const k3d = {
      command: loginShellCommand('/usr/bin/fish', '/home/dev/bin/k3d'),
      shell: '/usr/bin/fish',
      path: '/home/dev/bin/k3d',
    };
    await runProgram(conn, k3d, ['cluster', 'list'], { env });
    expect((calls.at(-1) as { argv: string[] }).argv).toEqual([
      '/usr/bin/fish',
      '-l',
      '-c',
      expect.stringMatching(/; exec \$argv$/),
      'env',
      'LOG_LEVEL=info',
      '/home/dev/bin/k3d',
      'cluster',
      'list',
    ]);
    await runProgram(conn, k3d, ['image', 'import', '-'], { env, stdinFile: '/tmp/t.tar' });
    expect((calls.at(-1) as { argv: string[] }).argv.slice(3)).toEqual([
      expect.stringMatching(/; exec \$argv\[2\.\.-1\] < \$argv\[1\]$/),
      '/tmp/t.tar',
      'env',
      'LOG_LEVEL=info',
      '/home/dev/bin/k3d',
      'image',
      'import',
      '-',
    ]);
    // `env LOG_LEVEL=info /opt/a=b/k3d cluster` would run "cluster": such a path runs unpinned.
    const plain = fakeServer(() => ({ stdout: '[]\n' }));
    await runProgram(plain.conn, { command: ['/opt/a=b/k3d'], path: '/opt/a=b/k3d' }, ['version'], { env });
    expect(plain.calls.at(-1)).toEqual({ kind: 'exec', argv: ['/opt/a=b/k3d', 'version'] });
  });

  it('streams only what the program printed, never the profile banner before the marker', async () => {
    const { conn } = fakeServer(() =>
      throughLoginShell('INFO[0000] Creating cluster\nINFO[0001] done\n', 'WARN x\n'),
    );
    const streamed = { stdout: '', stderr: '' };
    const result = await runProgram(
      conn,
      { command: loginShellArgv(), shell: 'bash', path: '/home/dev/.local/bin/k3d' },
      ['cluster', 'create', 'a'],
      { onOutput: (stream, chunk) => (streamed[stream] += chunk.toString()) },
    );
    expect(streamed).toEqual({
      stdout: 'INFO[0000] Creating cluster\nINFO[0001] done\n',
      stderr: 'WARN x\n',
    });
    expect(result.stdout).toBe(streamed.stdout);
  });

  it("fails clearly when the login shell's profile exited before it ran the program (no marker)", async () => {
    expect(afterMarker(`${RUN_MARKER}\n`)).toBe('');
    // The profile exits 0 after printing: that output must not pass for k3d's.
    const { conn } = fakeServer(() => ({ stdout: '[]\n', stderr: 'bye from .profile\n' }));
    const k3d = { command: loginShellArgv(), shell: 'bash', path: '/home/dev/.local/bin/k3d' };
    const error = await runProgram(conn, k3d, ['cluster', 'list']).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'REMOTE_COMMAND',
      message: 'The login shell bash on devbox did not run k3d: its profile exited first.',
      hint: expect.stringContaining("ssh devbox 'bash -l -c true'"),
    });
  });

  it('feeds a file to the program as stdin after the marker, never to the login shell profile', async () => {
    const { conn, calls } = fakeServer(() => throughLoginShell('unpacked\n'));
    const command = loginShellCommand('/bin/bash', '/usr/bin/docker');
    const program = { command, shell: '/bin/bash', path: '/usr/bin/docker' };
    const file = '/tmp/tunnel image "x".tar';
    await runProgram(conn, program, ['exec', '-i', 'node', 'ctr'], { stdinFile: file });
    const argv = (calls.at(-1) as { argv: string[] }).argv;
    expect(argv.slice(0, 3)).toEqual(['/bin/bash', '-l', '-c']);
    // The redirect comes after the marker in the script; the file and the program are argv words.
    const script = argv[3] ?? '';
    expect(script.indexOf('<')).toBeGreaterThan(script.lastIndexOf(RUN_MARKER));
    expect(script).not.toContain(file);
    expect(argv.slice(4)).toEqual([file, '/usr/bin/docker', 'exec', '-i', 'node', 'ctr']);
  });
});

function loginShellArgv(): string[] {
  return ['bash', '-l', '-c', 'script', '/home/dev/.local/bin/k3d'];
}

describe('the dev-server handle', () => {
  it('asks for the login shell once per connection, for k3d and docker alike, and finds each once', async () => {
    const { conn, calls } = fakeServer((call) => {
      if (SHELL_QUERY(call)) return { stdout: '/bin/bash\n' };
      if (SHELL_PROBE('/bin/bash')(call)) return throughLoginShell('');
      if (loginFind('/bin/bash', 'k3d')(call)) return { stdout: '/home/dev/.local/bin/k3d\n' };
      if (loginFind('/bin/bash', 'docker')(call)) return { stdout: '/home/dev/.local/bin/docker\n' };
      if (call.kind === 'exec' && call.argv.at(-1) === 'version')
        return throughLoginShell('k3d version v5.9.0\n');
      return { code: 1 };
    });
    const devServer = devServerOver(conn);
    const [k3d, docker] = await Promise.all([devServer.k3d(), devServer.docker()]);
    await devServer.k3d();
    expect(k3d).toMatchObject({ path: '/home/dev/.local/bin/k3d', shell: '/bin/bash', k3dVersion: 'v5.9.0' });
    expect(docker).toMatchObject({ path: '/home/dev/.local/bin/docker', foundVia: 'login shell' });
    expect(calls.filter(SHELL_QUERY)).toHaveLength(1);
    expect(calls.filter(loginFind('/bin/bash', 'k3d'))).toHaveLength(1);
    // k3d found by the login shell: its version is asked through it too.
    const version = calls.find((call) => call.kind === 'exec' && call.argv.at(-1) === 'version');
    // k3d's log level is pinned (env LOG_LEVEL=info) inside the login shell, after the profile ran.
    expect(version).toMatchObject({
      argv: [...k3d.command.slice(0, 4), 'env', 'LOG_LEVEL=info', k3d.path, 'version'],
    });
    expect(k3d.command.slice(0, 3)).toEqual(['/bin/bash', '-l', '-c']);
  });
});

describe('pasteCommand', () => {
  it('gives the user the check as tunnel runs it: through the login shell, so ~/.profile applies', () => {
    expect(pasteCommand('devbox', '/usr/bin/zsh', 'docker info')).toBe(`ssh devbox 'zsh -lc "docker info"'`);
    expect(pasteCommand('devbox', undefined, 'k3d cluster list')).toBe('ssh devbox k3d cluster list');
  });

  it('never pastes the remote shell path: an unknown shell becomes bash, quotes stay quoted', () => {
    expect(pasteCommand('devbox', "/opt/x'; rm -rf ~; 'evil", 'docker info')).toBe(
      `ssh devbox 'bash -lc "docker info"'`,
    );
    expect(pasteCommand('devbox', '/bin/bash', 'k3d cluster create a -p "80:80"')).toBe(
      `ssh devbox 'bash -lc "k3d cluster create a -p \\"80:80\\""'`,
    );
  });
});
