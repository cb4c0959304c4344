// Doctor's docker check uses the docker CLI the dev-server handle finds, run as the handle runs it: through
// the user's login shell (where DOCKER_HOST may be set) wherever docker was found, and no docker anywhere is
// "no-cli", not a failure.
import { describe, expect, it } from 'vitest';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import { dockerEngine } from '../../../src/doctor/docker.js';
import { RUN_MARKER } from '../../../src/remote/program.js';
import type { ExecResult, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

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

describe("doctor's docker engine check", () => {
  it('asks the docker a login shell found through that login shell', async () => {
    const { devServer, execs } = server((argv) => {
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/bash\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'true') return { stdout: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'command -v docker')
        return { stdout: '/home/dev/bin/docker\n' };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `motd\n${RUN_MARKER}\ntunnel-docker-engine 28.5.1\n`, stderr: `${RUN_MARKER}\n` };
      return { code: 1 };
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
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/bash\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'true') return { stdout: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'command -v docker')
        return { stdout: '/usr/bin/docker\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1)?.includes('MinAPIVersion'))
        return {
          code: 125,
          stdout: `${RUN_MARKER}\n`,
          stderr: `${RUN_MARKER}\nError: template: version:1:24: executing "version" at <.MinAPIVersion>: can't evaluate field MinAPIVersion in type *define.Version\n`,
        };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 5.4.2\n`, stderr: `${RUN_MARKER}\n` };
      return { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '5.4.2' });
  });

  it('adds the oldest API the engine serves when it says it (Docker 29: 1.44)', async () => {
    const { devServer } = server((argv) => {
      if (argv.at(-1)?.includes('getent passwd')) return { stdout: '/bin/bash\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'true') return { stdout: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.at(-1) === 'command -v docker')
        return { stdout: '/usr/bin/docker\n' };
      if (argv[0] === '/bin/bash' && argv.at(-1)?.includes('MinAPIVersion'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 1.44\n`, stderr: `${RUN_MARKER}\n` };
      if (argv[0] === '/bin/bash' && argv.includes('version'))
        return { stdout: `${RUN_MARKER}\ntunnel-docker-engine 29.0.1\n`, stderr: `${RUN_MARKER}\n` };
      return { code: 1 };
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
      return { code: 1 };
    });
    expect(await dockerEngine(devServer)).toEqual({ kind: 'up', version: '28.5.1' });
    expect(execs.at(-1)?.slice(0, 3)).toEqual(['/bin/bash', '-l', '-c']);
    expect(execs.at(-1)?.[4]).toBe('/usr/bin/docker');
  });

  it('says no-cli when no shell and no install path has docker', async () => {
    const { devServer } = server(() => ({ code: 1 }));
    expect(await dockerEngine(devServer)).toEqual({ kind: 'no-cli' });
  });
});
