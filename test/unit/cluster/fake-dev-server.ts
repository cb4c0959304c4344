// A fake DevServer for the use cases: k3d found at /usr/local/bin/k3d, `k3d cluster list` answered from
// `clusters`, k3d's other commands answered by `k3d` (its output streamed line by line like the real exec),
// `ss -ltnH` by `listeners`. It records every k3d argv and every close, and how often it was opened.
import type { DevServer } from '../../../src/devserver/dev-server.js';
import type { OpenDevServer } from '../../../src/devserver/with-dev-server.js';
import { type DockerEngine, LOCAL_ENGINE } from '../../../src/remote/docker-endpoint.js';
import type { K3dCluster, K3dInfo } from '../../../src/remote/types.js';
import type { ExecOptions, ExecResult, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

export interface FakeK3dAnswer {
  stdout?: string;
  stderr?: string;
  code?: number;
}

export interface FakeDevServerSetup {
  clusters?: K3dCluster[];
  /** Answers k3d's commands other than `cluster list`, by argv. */
  k3d?: (args: readonly string[]) => FakeK3dAnswer;
  /** `ss -ltnH` output (LISTEN lines). */
  listeners?: string;
  /** `k3d kubeconfig get <cluster>`. */
  kubeconfig?: (cluster: string) => string;
  /** Where the docker engine is (default: on the dev server). */
  engine?: DockerEngine;
}

export interface FakeDevServer {
  open: OpenDevServer;
  /** Every k3d argv after the command (e.g. ['cluster', 'create', …]). */
  k3dCalls: string[][];
  opened: number;
  closed: number;
}

export const K3D: K3dInfo = {
  command: ['/usr/local/bin/k3d'],
  path: '/usr/local/bin/k3d',
  foundVia: 'PATH',
  k3dVersion: 'v5.7.4',
  k3sVersion: 'v1.30.4-k3s1',
};

export function fakeDevServer(setup: FakeDevServerSetup = {}): FakeDevServer {
  const fake: FakeDevServer = { open: async () => handle(), k3dCalls: [], opened: 0, closed: 0 };
  const exec = async (argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
    // k3d runs as `env LOG_LEVEL=info <path> …` (program.ts): its words start after the path.
    const args = argv.slice(argv.indexOf(K3D.path) + 1);
    fake.k3dCalls.push([...args]);
    const answer = answerK3d(setup, args);
    for (const line of (answer.stdout ?? '').split(/(?<=\n)/))
      if (line) options.onOutput?.('stdout', Buffer.from(line));
    for (const line of (answer.stderr ?? '').split(/(?<=\n)/))
      if (line) options.onOutput?.('stderr', Buffer.from(line));
    return {
      stdout: answer.stdout ?? '',
      stderr: answer.stderr ?? '',
      code: answer.code ?? 0,
      signal: undefined,
    };
  };
  const ssh: SshLink = {
    target: sshTarget({ alias: 'devserver' }),
    exec,
    execShell: async (script) =>
      script.includes('ss -ltnH')
        ? { stdout: setup.listeners ?? '', stderr: '', code: 0, signal: undefined }
        : { stdout: '', stderr: 'not faked', code: 1, signal: undefined },
    forwardOut: async () => {
      throw new Error('no forwards in the fake');
    },
    closed: new Promise(() => {}),
    close: () => {},
    ping: async () => true,
    bytesReceived: 0,
  };
  const handle = (): DevServer => {
    fake.opened++;
    return {
      alias: 'devserver',
      ssh,
      k3d: async () => K3D,
      docker: async () => ({ path: '/usr/bin/docker', foundVia: 'PATH', command: ['/usr/bin/docker'] }),
      engine: async () => setup.engine ?? LOCAL_ENGINE,
      containerCli: async () => ({
        program: { path: '/usr/bin/docker', foundVia: 'PATH', command: ['/usr/bin/docker'] },
        kind: 'docker',
        args: [],
        engine: { platform: 'linux/x86_64', error: undefined },
      }),
      clusters: async () => setup.clusters ?? [],
      run: (program, args, options) => ssh.exec([...program.command, ...args], options),
      close: () => {
        fake.closed++;
      },
    };
  };
  return fake;
}

function answerK3d(setup: FakeDevServerSetup, args: readonly string[]): FakeK3dAnswer {
  if (args[0] === 'kubeconfig' && args[1] === 'get' && setup.kubeconfig)
    return { stdout: setup.kubeconfig(args[2] ?? '') };
  return setup.k3d?.(args) ?? { code: 1, stderr: `not faked: k3d ${args.join(' ')}` };
}

/** A k3d log line as k3d prints it (level, then the message). */
export const info = (message: string) => `\u001b[36mINFO\u001b[0m[0000] ${message}\n`;
