// Doctor's docker check uses the docker CLI the dev-server handle finds, run as the handle runs it: through
// the user's login shell (where DOCKER_HOST may be set) wherever docker was found, and no docker anywhere is
// "no-cli", not a failure.
import { describe, expect, it } from 'vitest';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import { dockerEngine } from '../../../src/doctor/docker.js';
import { RUN_MARKER } from '../../../src/remote/program.js';
import type { ExecResult, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const K3D_LIST = JSON.stringify([
  {
    name: 'my-app',
    serversRunning: 1,
    serversCount: 1,
    agentsRunning: 0,
    agentsCount: 0,
    nodes: [
      {
        name: 'k3d-my-app-server-0',
        role: 'server',
        State: { Running: true },
        portMappings: { '6443/tcp': [{ HostIp: '0.0.0.0', HostPort: '16443' }] },
      },
    ],
  },
]);

function server(reply: (argv: string[]) => Partial<ExecResult> | undefined) {
  const execs: string[][] = [];
  const answer = async (argv: string[]): Promise<ExecResult> => {
    execs.push(argv);
    return { stdout: '', stderr: '', code: 0, signal: undefined, ...(reply(argv) ?? { code: 127 }) };
  };
  const ssh: SshLink = {
    target: sshTarget({ alias: 'devbox' }),
    exec: (argv) => answer([...argv]),
    execShell: (script) => answer(['/bin/sh', '-c', script]),
    forwardOut: () => Promise.reject(new Error('not used')),
    closed: new Promise(() => {}),
    close: () => {},
    ping: async () => true,
    bytesReceived: 0,
  };
  return { devServer: devServerOver(ssh), execs };
}

/** A user whose login shell is bash and finds docker at `docker`: the shell lookup, profile probe, `command -v`. */
function bashLoginFinds(argv: string[], docker: string): Partial<ExecResult> | undefined {
  if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/bash\n' };
  if (argv[0] === '/bin/bash' && argv.at(-1) === 'true') return { stdout: `${RUN_MARKER}\n` };
  if (argv[0] === '/bin/bash' && argv.at(-1) === 'command -v docker') return { stdout: `${docker}\n` };
  return undefined;
}

describe("doctor's docker engine check", () => {
  it('asks the docker a login shell found through that login shell', async () => {
    const { devServer, execs } = server((argv) => {
      const login = bashLoginFinds(argv, '/home/dev/bin/docker');
      if (login) return login;
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `motd\n${RUN_MARKER}\ntunnel-docker-engine 28.5.1\n`, stderr: `${RUN_MARKER}\n` };
      // Anything else run in the login shell (docker context inspect) passes the profile and fails.
      return argv[0] === '/bin/bash' ? { code: 1, stdout: `${RUN_MARKER}\n` } : { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '28.5.1' });
    const asked = execs.filter((argv) => argv.includes('version'));
    expect(asked[0]?.slice(0, 3)).toEqual(['/bin/bash', '-l', '-c']);
    expect(asked.map((argv) => argv.slice(4))).toEqual([
      ['/home/dev/bin/docker', 'version', '--format', 'tunnel-docker-engine {{.Server.Version}}'],
      ['/home/dev/bin/docker', 'version', '--format', 'tunnel-docker-engine {{.Server.MinAPIVersion}}'],
    ]);
  });

  it("says Podman's docker shim is up though its version template has no MinAPIVersion", async () => {
    // podman version --format runs the template on libpod's define.Version, which has no MinAPIVersion:
    // the template fails and podman exits 125; .Server.Version works (the shim is supported).
    const { devServer } = server((argv) => {
      const login = bashLoginFinds(argv, '/usr/bin/docker');
      if (login) return login;
      if (argv[0] === '/bin/bash' && argv.at(-1)?.includes('MinAPIVersion'))
        return {
          code: 125,
          stdout: `${RUN_MARKER}\n`,
          stderr: `${RUN_MARKER}\nError: template: version:1:24: executing "version" at <.MinAPIVersion>: can't evaluate field MinAPIVersion in type *define.Version\n`,
        };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 5.4.2\n`, stderr: `${RUN_MARKER}\n` };
      // docker context inspect: past the profile, no answer (the engine is where docker dials by default).
      return argv[0] === '/bin/bash' ? { code: 1, stdout: `${RUN_MARKER}\n` } : { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '5.4.2' });
  });

  it('adds the oldest API the engine serves when it says it (Docker 29: 1.44)', async () => {
    const { devServer } = server((argv) => {
      const login = bashLoginFinds(argv, '/usr/bin/docker');
      if (login) return login;
      if (argv[0] === '/bin/bash' && argv.at(-1)?.includes('MinAPIVersion'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 1.44\n`, stderr: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 29.0.1\n`, stderr: `${RUN_MARKER}\n` };
      return argv[0] === '/bin/bash' ? { code: 1, stdout: `${RUN_MARKER}\n` } : { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '29.0.1', minApi: '1.44' });
  });

  it('asks a docker on the plain SSH PATH through the login shell too (rootless docker: DOCKER_HOST in ~/.profile)', async () => {
    const { devServer, execs } = server((argv) => {
      if (argv.at(-1) === 'command -v docker') return { stdout: '/usr/bin/docker\n' };
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/bash\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'true') return { stdout: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 28.5.1\n`, stderr: `${RUN_MARKER}\n` };
      // Without the profile, docker dials /var/run/docker.sock, where no engine listens.
      if (argv[0] === '/usr/bin/docker')
        return { code: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n' };
      return argv[0] === '/bin/bash' ? { code: 1, stdout: `${RUN_MARKER}\n` } : { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '28.5.1' });
    expect(execs.at(-1)?.slice(0, 3)).toEqual(['/bin/bash', '-l', '-c']);
    expect(execs.at(-1)?.[4]).toBe('/usr/bin/docker');
  });

  it('an ssh:// engine host the dev server cannot resolve: the engine check fails with the hint, the cluster list still works', async () => {
    const { devServer } = server((argv) => {
      if (argv.at(-1) === 'command -v docker') return { stdout: '/usr/bin/docker\n' };
      if (argv.at(-1) === 'command -v k3d') return { stdout: '/usr/local/bin/k3d\n' };
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/sh\n' };
      if (argv.includes('context')) return { stdout: 'ssh://dev@enginebox\n' };
      if (argv[0] === 'getent') return { code: 2 };
      if (argv.includes('version')) return { stdout: 'tunnel-docker-engine 28.5.1\n' };
      if (argv.includes('cluster') && argv.includes('list')) return { stdout: K3D_LIST };
      return { code: 1 };
    });
    const engine = await dockerEngine(devServer);
    expect(engine).toMatchObject({
      kind: 'up',
      remote: { host: 'enginebox', unreachable: { reason: '"enginebox" does not resolve on devbox' } },
    });
    const [cluster] = await devServer.clusters();
    expect(cluster?.name).toBe('my-app');
    expect(cluster?.unreachable).toContain('"enginebox" does not resolve on devbox');
  });

  it('a remote engine that is down keeps where it is, so doctor blames its host, not the dev server', async () => {
    const { devServer } = server((argv) => {
      if (argv.at(-1) === 'command -v docker') return { stdout: '/usr/bin/docker\n' };
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/sh\n' };
      if (argv.includes('context')) return { stdout: 'tcp://build:2375\n' };
      if (argv[0] === 'getent') return { stdout: '10.0.0.9 STREAM build\n' };
      if (argv.includes('version'))
        return {
          code: 1,
          stderr: 'Cannot connect to the Docker daemon at tcp://build:2375. Is the docker daemon running?\n',
        };
      return { code: 1 };
    });
    expect(await dockerEngine(devServer)).toMatchObject({
      kind: 'down',
      remote: { host: 'build', endpoint: 'tcp://build:2375' },
    });
  });

  it('says no-cli when no shell and no install path has docker', async () => {
    const { devServer } = server(() => ({ code: 1 }));
    expect(await dockerEngine(devServer)).toEqual({ kind: 'no-cli' });
  });
});
