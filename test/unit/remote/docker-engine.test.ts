// Where the dev server's docker engine is: the endpoint parser (what `docker context inspect` prints, or
// DOCKER_HOST), the clusters' ports placed on the engine's host, and the lookup through the handle's programs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planForwards } from '../../../src/plan/forward-plan.js';
import { parseDockerEndpoint } from '../../../src/remote/docker-endpoint.js';
import { placeClusters, readDockerEngine } from '../../../src/remote/docker-engine.js';
import { parseSshG } from '../../../src/remote/engine-host.js';
import { RUN_MARKER } from '../../../src/remote/program.js';
import type { K3dCluster, PortMapping } from '../../../src/remote/types.js';
import type { ExecResult, SshLink } from '../../../src/ssh/types.js';
import { k3dCluster, sshTarget } from '../../builders.js';

describe('parseDockerEndpoint', () => {
  it.each([
    ['tcp://10.0.0.5:2375', 'tcp', '10.0.0.5'],
    ['tcp://Docker-Host.example.com:2376', 'tcp', 'docker-host.example.com'],
    ['https://build.internal:2376', 'tcp', 'build.internal'],
    ['ssh://dev@buildbox', 'ssh', 'buildbox'],
    ['ssh://dev@buildbox:2222', 'ssh', 'buildbox'],
    ['ssh://buildbox', 'ssh', 'buildbox'],
    ['tcp://[fd00::5]:2375', 'tcp', 'fd00::5'],
  ])('%s: the engine (and every published port) is on %s %s', (text, scheme, host) => {
    expect(parseDockerEndpoint(`${text}\n`)).toMatchObject({ scheme, remoteHost: host, endpoint: text });
  });

  it.each([
    ['unix:///var/run/docker.sock', 'unix'],
    ['unix:///run/user/1000/docker.sock', 'unix'],
    ['npipe:////./pipe/docker_engine', 'npipe'],
    ['fd://', 'fd'],
    ['tcp://127.0.0.1:2375', 'tcp'],
    ['tcp://localhost:2375', 'tcp'],
    ['tcp://:2375', 'tcp'],
    ['tcp://[::1]:2375', 'tcp'],
    ['tcp://[0:0::1]:2375', 'tcp'],
    ['tcp://[::ffff:127.0.0.1]:2375', 'tcp'],
    ['tcp://127.0.1.1:2375', 'tcp'],
    ['ssh://me@localhost', 'ssh'],
  ])('%s: the engine is on the dev server itself', (text, scheme) => {
    expect(parseDockerEndpoint(text)).toEqual({ endpoint: text, scheme, remoteHost: undefined });
  });

  it.each([
    ['', 'not a docker endpoint'],
    ['tcp://-oProxyCommand=sh:2375', 'its host is not a host name'],
    ['ssh://dev@-oProxyCommand=touch', 'its host is not a host name'],
    ['tcp://host name:2375', 'not a docker endpoint'],
    ['tcp://a;b:2375', 'its host is not a host name'],
    ['tcp://h:2375:1', 'its host is not a host name'],
    ['tcp://h:port', 'its host is not a host name'],
    ['tcp://[fd00::5:2375', 'its host is not a host name'],
    [`tcp://${'a'.repeat(600)}:2375`, 'not a docker endpoint'],
    ['tcp://evil\x1b[31m:2375', 'not a docker endpoint'],
    ['gopher://h:70', 'an endpoint scheme docker does not dial'],
    ['/var/run/docker.sock', 'an endpoint scheme docker does not dial'],
  ])('hostile or odd %j: never a remote host, with why', (text, note) => {
    const engine = parseDockerEndpoint(text);
    expect(engine.remoteHost).toBeUndefined();
    expect(engine.note).toBe(note);
    // What is kept for display is bounded and free of control characters.
    expect((engine.endpoint ?? '').length).toBeLessThanOrEqual(203);
    expect(engine.endpoint ?? '').not.toMatch(/[\x00-\x1f]/);
  });
});

const mapping = (hostIp: string, hostPort: number, containerPort: number): PortMapping => ({
  containerPort,
  protocol: 'tcp',
  hostIp,
  hostPort,
  nodeName: 'k3d-my-app-serverlb',
  nodeRole: 'loadbalancer',
  isApi: containerPort === 6443,
});

describe('placeClusters', () => {
  const cluster = k3dCluster('my-app', {
    api: mapping('0.0.0.0', 16443, 6443),
    ports: [mapping('', 8080, 30080), mapping('127.0.0.1', 9090, 30090), mapping('10.0.0.5', 7070, 30070)],
  });

  it('leaves the clusters as k3d listed them when the engine is on the dev server', () => {
    const local = parseDockerEndpoint('unix:///var/run/docker.sock');
    expect(placeClusters([cluster], local)).toEqual([cluster]);
  });

  it('puts wildcard mappings on the engine host and leaves out those bound to its loopback, with why', () => {
    const [placed] = placeClusters([cluster], parseDockerEndpoint('tcp://10.0.0.5:2375'));
    expect(placed?.api).toMatchObject({ hostIp: '10.0.0.5', hostPort: 16443 });
    expect(placed?.ports.map((port) => `${port.hostIp}:${port.hostPort}`)).toEqual([
      '10.0.0.5:8080',
      '10.0.0.5:7070',
    ]);
    expect(placed?.warnings).toEqual([
      'host port 9090 is bound to 127.0.0.1 on the docker host 10.0.0.5: only that host reaches it, so it is ' +
        'not forwarded (publish it on 0.0.0.0 to forward it)',
    ]);
  });
});

describe('placed clusters in the forward plan (what connect and status show)', () => {
  const plan = (clusters: K3dCluster[]) =>
    planForwards(clusters, { clusters: [], maps: new Map(), bindAddress: '127.0.0.1' });

  it("a cluster whose only published port is its API bound to the engine host's loopback is skipped with that reason", () => {
    const apiOnly = k3dCluster('my-app', {
      api: mapping('127.0.0.1', 16443, 6443),
      ports: [mapping('0.0.0.0', 8080, 30080)],
    });
    const { forwards, skipped } = plan(placeClusters([apiOnly], parseDockerEndpoint('tcp://10.0.0.5:2375')));
    expect(forwards.map((spec) => spec.id)).toEqual(['my-app/service/10.0.0.5:8080']);
    expect(skipped).toEqual([
      {
        cluster: 'my-app',
        reason: expect.stringMatching(
          /^host port 16443 is bound to 127\.0\.0\.1 on the docker host 10\.0\.0\.5/,
        ),
      },
    ]);
  });

  it('an engine host the SSH server cannot dial: the clusters stay listed and placed, connect skips them with the hint', () => {
    const engine = {
      ...parseDockerEndpoint('ssh://dev@enginebox'),
      unreachable: {
        reason: '"enginebox" does not resolve on devbox',
        hint: 'Check with: ssh devbox getent hosts enginebox',
      },
    };
    const [placed] = placeClusters([k3dCluster('my-app', { api: mapping('0.0.0.0', 16443, 6443) })], engine);
    expect(placed?.api).toMatchObject({ hostIp: 'enginebox', hostPort: 16443 });
    const { forwards, skipped } = plan(placed ? [placed] : []);
    expect(forwards).toEqual([]);
    expect(skipped).toEqual([
      {
        cluster: 'my-app',
        reason:
          'its ports are published on enginebox, but "enginebox" does not resolve on devbox. Check with: ssh devbox getent hosts enginebox',
      },
    ]);
  });
});

/** A dev server answering by argv; every call is recorded. */
function fakeServer(reply: (argv: string[]) => Partial<ExecResult> | undefined) {
  const calls: string[][] = [];
  const exec = async (argv: readonly string[]): Promise<ExecResult> => {
    calls.push([...argv]);
    return { stdout: '', stderr: '', code: 0, signal: undefined, ...(reply([...argv]) ?? { code: 127 }) };
  };
  const conn = {
    target: sshTarget({ alias: 'devbox' }),
    exec,
    execShell: () => Promise.reject(new Error('not used')),
  } as unknown as SshLink;
  return { conn, calls };
}

const DOCKER = { path: '/usr/bin/docker', command: ['/usr/bin/docker'], shell: undefined };
const K3D_IN_LOGIN_SHELL = {
  path: '/home/dev/.local/bin/k3d',
  shell: '/bin/bash',
  command: ['/bin/bash', '-l', '-c', 'script', '/home/dev/.local/bin/k3d'],
};
const missing = () => Promise.reject(new Error('not found'));

describe('readDockerEngine', () => {
  it('asks docker which endpoint it dials (DOCKER_HOST, else the context) without contacting the engine', async () => {
    const { conn, calls } = fakeServer((argv) =>
      argv[1] === 'context' ? { stdout: 'tcp://10.0.0.5:2375\n' } : undefined,
    );
    const engine = await readDockerEngine(conn, { docker: async () => DOCKER, k3d: missing });
    expect(engine).toMatchObject({ scheme: 'tcp', remoteHost: '10.0.0.5' });
    expect(calls[0]).toEqual([
      '/usr/bin/docker',
      'context',
      'inspect',
      '--format',
      '{{.Endpoints.docker.Host}}',
    ]);
  });

  it("without docker, reads DOCKER_HOST in k3d's login environment (what k3d's GetHost reads)", async () => {
    const { conn, calls } = fakeServer((argv) =>
      argv.at(-2) === 'printenv' ? { stdout: `motd\n${RUN_MARKER}\ntcp://10.0.0.6:2375\n` } : undefined,
    );
    const engine = await readDockerEngine(conn, { docker: missing, k3d: async () => K3D_IN_LOGIN_SHELL });
    expect(engine.remoteHost).toBe('10.0.0.6');
    expect(calls[0]).toEqual(['/bin/bash', '-l', '-c', 'script', 'printenv', 'DOCKER_HOST']);
  });

  it('an ssh:// engine whose host the dev server cannot resolve (an ssh config alias) is a fact with a hint, not an error', async () => {
    const { conn } = fakeServer((argv) => {
      if (argv[1] === 'context') return { stdout: 'ssh://dev@enginebox\n' };
      if (argv[0] === 'getent') return { code: 2 };
      return undefined;
    });
    const engine = await readDockerEngine(conn, { docker: async () => DOCKER, k3d: missing });
    expect(engine.remoteHost).toBe('enginebox');
    expect(engine.unreachable).toEqual({
      reason: '"enginebox" does not resolve on devbox',
      hint: expect.stringContaining('ssh devbox getent hosts enginebox'),
    });
  });

  it('an ssh:// engine is dialled at the HostName ssh -G prints; a ProxyJump makes it unreachable, with why', async () => {
    const sshG = (extra: string) => (argv: string[]) => {
      if (argv[1] === 'context') return { stdout: 'ssh://dev@engine\n' };
      if (argv[0] === 'ssh') return { stdout: `user dev\nhostname engine.lan\nport 22\n${extra}` };
      return argv[0] === 'getent' ? { stdout: '10.0.0.7  STREAM engine.lan\n' } : undefined;
    };
    const direct = fakeServer(sshG(''));
    const engine = await readDockerEngine(direct.conn, { docker: async () => DOCKER, k3d: missing });
    expect(engine).toMatchObject({ remoteHost: 'engine.lan' });
    expect(engine.unreachable).toBeUndefined();
    expect(direct.calls).toContainEqual(['ssh', '-G', '--', 'engine']);
    expect(direct.calls).toContainEqual(['getent', 'ahosts', 'engine.lan']);
    const loopback = fakeServer((argv) =>
      argv[1] === 'context'
        ? { stdout: 'ssh://dev@engine\n' }
        : argv[0] === 'ssh'
          ? { stdout: 'hostname 127.0.0.1\n' }
          : undefined,
    );
    const own = await readDockerEngine(loopback.conn, { docker: async () => DOCKER, k3d: missing });
    expect(own.remoteHost).toBeUndefined();
    const jumped = fakeServer(sshG('proxyjump bastion\n'));
    const behind = await readDockerEngine(jumped.conn, { docker: async () => DOCKER, k3d: missing });
    expect(behind.unreachable?.reason).toBe(
      'ssh on devbox reaches "engine" through ProxyJump bastion, which the SSH server cannot dial',
    );
  });

  it('an ssh:// engine that resolves, or a server without getent, is forwarded to', async () => {
    for (const code of [0, 127]) {
      const { conn } = fakeServer((argv) => {
        if (argv[1] === 'context') return { stdout: 'ssh://dev@enginebox\n' };
        return argv[0] === 'getent' ? { code, stdout: code === 0 ? '10.0.0.7 enginebox\n' : '' } : undefined;
      });
      const engine = await readDockerEngine(conn, { docker: async () => DOCKER, k3d: missing });
      expect(engine.remoteHost).toBe('enginebox');
      expect(engine.unreachable).toBeUndefined();
    }
  });

  it.each([
    ['by its FQDN (hostname -f)', 'tcp://devbox.example.com:2376', 'devbox.example.com'],
    ['by one of its addresses (hostname -I)', 'tcp://192.168.1.10:2376', '192.168.1.10'],
    ['by an IPv6 address spelt another way', 'tcp://[fd00:0::10]:2376', 'fd00::10'],
  ])('an engine URL naming the dev server itself %s is local', async (_what, url, name) => {
    const { conn } = fakeServer((argv) => {
      if (argv[1] === 'context') return { stdout: `${url}\n` };
      if (argv[0] === 'getent')
        return { stdout: `${name.includes('.') && !/^\d/.test(name) ? '192.168.1.10' : name}  STREAM x\n` };
      if (argv.join(' ') === 'hostname') return { stdout: 'devbox\n' };
      if (argv.join(' ') === 'hostname -f') return { stdout: 'devbox.example.com\n' };
      if (argv.join(' ') === 'hostname -I') return { stdout: '192.168.1.10 172.17.0.1 fd00::10 \n' };
      return undefined;
    });
    const engine = await readDockerEngine(conn, { docker: async () => DOCKER, k3d: missing });
    expect(engine.remoteHost).toBeUndefined();
    expect(engine.endpoint).toBe(url);
  });

  it('a lookup that could not be asked (timeout, no exit status) rejects, so the handle asks again next time', async () => {
    const timedOut = fakeServer(() => undefined);
    timedOut.conn.exec = () => Promise.reject(new Error('Remote command timed out after 20000 ms'));
    await expect(
      readDockerEngine(timedOut.conn, { docker: async () => DOCKER, k3d: missing }),
    ).rejects.toThrow('timed out');
    const dropped = fakeServer((argv) =>
      argv[1] === 'context'
        ? { stdout: 'tcp://10.0.0.5:2375\n' }
        : argv[0] === 'getent'
          ? { code: null }
          : undefined,
    );
    await expect(
      readDockerEngine(dropped.conn, { docker: async () => DOCKER, k3d: missing }),
    ).rejects.toThrow('without an exit status');
  });

  it('nothing learnt (old docker without contexts, no DOCKER_HOST): the engine is taken to be local', async () => {
    // printenv in the login shell: the marker, then nothing (DOCKER_HOST unset), exit 1.
    const { conn } = fakeServer((argv) =>
      argv.at(-2) === 'printenv'
        ? { code: 1, stdout: `${RUN_MARKER}\n` }
        : { code: 1, stderr: "docker: 'context' is not a docker command." },
    );
    const lookup = { docker: async () => DOCKER, k3d: async () => K3D_IN_LOGIN_SHELL };
    expect((await readDockerEngine(conn, lookup)).remoteHost).toBeUndefined();
  });
});

describe('parseSshG', () => {
  it('takes a plain host name or IP as the forward target, never an option-like or odd word', () => {
    expect(parseSshG('hostname Engine.LAN\nproxyjump none\n')).toEqual({
      hostname: 'engine.lan',
      proxy: undefined,
    });
    expect(parseSshG('hostname fd00::7\n').hostname).toBe('fd00::7');
    expect(parseSshG('hostname -oProxyCommand=x\n').hostname).toBeUndefined();
    expect(parseSshG('hostname a;b\nproxycommand nc %h %p\n')).toEqual({
      hostname: undefined,
      proxy: 'a ProxyCommand',
    });
    expect(parseSshG('proxyjump $(touch x)\n').proxy).toBe('ProxyJump (a jump host)');
  });
});

describe('parseDockerEndpoint on anything the dev server prints', () => {
  it('never throws, and a remote host is always a plain host name or IP, never option-like', () => {
    const scheme = fc.constantFrom('tcp://', 'ssh://', 'ssh://dev@', 'unix://', 'https://', '');
    const rest = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme-ascii' }),
      fc.domain(),
      fc.ipV4(),
      fc.ipV6(),
    );
    fc.assert(
      fc.property(scheme, rest, fc.option(fc.integer({ min: 0, max: 99999 })), (prefix, host, port) => {
        const engine = parseDockerEndpoint(`${prefix}${host}${port === null ? '' : `:${port}`}`);
        if (engine.remoteHost === undefined) return;
        expect(engine.remoteHost).toMatch(/^[a-z0-9][a-z0-9.:-]*$/);
        expect(engine.remoteHost.startsWith('-')).toBe(false);
        expect(engine.scheme === 'tcp' || engine.scheme === 'ssh').toBe(true);
      }),
    );
  });
});
