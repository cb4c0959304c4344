// Where the dev server's docker engine is: the endpoint parser (what `docker context inspect` prints, or
// DOCKER_HOST), the clusters' ports placed on the engine's host, and the lookup through the handle's programs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDockerEndpoint } from '../../../src/remote/docker-endpoint.js';
import { placeClusters, readDockerEngine } from '../../../src/remote/docker-engine.js';
import { RUN_MARKER } from '../../../src/remote/program.js';
import type { PortMapping } from '../../../src/remote/types.js';
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
    expect(calls).toEqual([
      ['/usr/bin/docker', 'context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'],
    ]);
  });

  it("without docker, reads DOCKER_HOST in k3d's login environment (what k3d's GetHost reads)", async () => {
    const { conn, calls } = fakeServer((argv) =>
      argv.at(-2) === 'printenv' ? { stdout: `motd\n${RUN_MARKER}\ntcp://10.0.0.6:2375\n` } : undefined,
    );
    const engine = await readDockerEngine(conn, { docker: missing, k3d: async () => K3D_IN_LOGIN_SHELL });
    expect(engine.remoteHost).toBe('10.0.0.6');
    expect(calls).toEqual([['/bin/bash', '-l', '-c', 'script', 'printenv', 'DOCKER_HOST']]);
  });

  it('an ssh:// engine whose host the dev server cannot resolve (an ssh config alias) is an error with a hint', async () => {
    const { conn } = fakeServer((argv) => {
      if (argv[1] === 'context') return { stdout: 'ssh://dev@enginebox\n' };
      if (argv[0] === 'getent') return { code: 2 };
      return undefined;
    });
    const lookup = { docker: async () => DOCKER, k3d: missing };
    await expect(readDockerEngine(conn, lookup)).rejects.toMatchObject({
      code: 'FORWARD',
      message: expect.stringContaining('"enginebox" does not resolve on devbox'),
      hint: expect.stringContaining('ssh devbox getent hosts enginebox'),
    });
  });

  it('an ssh:// engine that resolves, or a server without getent, is forwarded to', async () => {
    for (const code of [0, 127]) {
      const { conn } = fakeServer((argv) => {
        if (argv[1] === 'context') return { stdout: 'ssh://dev@enginebox\n' };
        return argv[0] === 'getent' ? { code, stdout: code === 0 ? '10.0.0.7 enginebox\n' : '' } : undefined;
      });
      const engine = await readDockerEngine(conn, { docker: async () => DOCKER, k3d: missing });
      expect(engine.remoteHost).toBe('enginebox');
    }
  });

  it('nothing learnt (old docker without contexts, no DOCKER_HOST): the engine is taken to be local', async () => {
    const { conn } = fakeServer(() => ({ code: 1, stderr: "docker: 'context' is not a docker command." }));
    const lookup = { docker: async () => DOCKER, k3d: async () => K3D_IN_LOGIN_SHELL };
    expect((await readDockerEngine(conn, lookup)).remoteHost).toBeUndefined();
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
