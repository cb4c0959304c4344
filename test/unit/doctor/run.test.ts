import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/doctor/run.js';
import type { CheckResult, DoctorPorts } from '../../../src/doctor/types.js';
import { TunnelError } from '../../../src/errors.js';
import { fakePorts, ownSession, portOwner } from './fakes.js';

const plan = { clusters: [], maps: new Map<number, number>(), bindAddress: '127.0.0.1' };

async function doctor(overrides: Partial<DoctorPorts> = {}, planOverrides: Partial<typeof plan> = {}) {
  const ports = fakePorts(overrides);
  const streamed: CheckResult[] = [];
  const report = await runDoctor({
    alias: 'devserver',
    plan: { ...plan, ...planOverrides },
    ports,
    onResult: (result) => streamed.push(result),
  });
  const check = (id: string) => report.checks.find((entry) => entry.id === id)!;
  return { report, check, ports, streamed };
}

describe('runDoctor', () => {
  it('passes every check, in order, on a healthy dev server, and closes the connection it opened', async () => {
    const { report, ports, streamed } = await doctor();
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([
      ['ssh-config', 'pass'],
      ['transport', 'pass'],
      ['reachable', 'pass'],
      ['host-key', 'pass'],
      ['auth', 'pass'],
      ['docker', 'pass'],
      ['k3d', 'pass'],
      ['clusters', 'pass'],
      ['local-ports', 'pass'],
      ['kube-api', 'pass'],
      ['nodeports', 'pass'],
      ['login-item', 'pass'],
    ]);
    expect(streamed).toEqual(report.checks);
    expect(ports.connection.closedCount).toBe(1);
    expect(report.checks.every((check) => check.hint === null)).toBe(true);
  });

  it('blames a remote engine that is down on its host, not on the dev server, with a login-shell check', async () => {
    const { check } = await doctor({
      dockerEngine: async () => ({
        kind: 'down',
        message: 'Cannot connect to the Docker daemon at tcp://build:2375',
        remote: { host: 'build', endpoint: 'tcp://build:2375' },
        shell: '/usr/bin/zsh',
      }),
    });
    expect(check('docker')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        'the docker engine at tcp://build:2375 (on build, reached from devserver)',
      ),
      hint: expect.stringContaining('Start docker on build (not devserver)'),
    });
    expect(check('docker').hint).not.toContain('systemctl');
    expect(check('docker').hint).toContain(`ssh devserver 'zsh -lc "docker info"'`);
  });

  it('fails the docker check with a hint when the engine is down and skips what needs it', async () => {
    const { report, check } = await doctor({
      dockerEngine: async () => ({ kind: 'down', message: 'Cannot connect to the Docker daemon' }),
    });
    expect(report.ok).toBe(false);
    expect(check('docker')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('systemctl start docker'),
    });
    expect(check('docker').detail).toContain('Cannot connect to the Docker daemon');
    // k3d itself does not need the engine to say where it is.
    expect(check('k3d').status).toBe('pass');
    expect(check('clusters')).toMatchObject({ status: 'skip', detail: 'needs docker engine' });
    expect(check('local-ports')).toMatchObject({ status: 'skip', detail: 'needs k3d clusters' });
    expect(check('nodeports')).toMatchObject({ status: 'skip', detail: 'needs Kubernetes API' });
  });

  it('stops at a refused host key: authentication and everything after it is skipped', async () => {
    const error = new TunnelError(
      'HOST_KEY_UNKNOWN',
      'The host key of dev.example.com is not in known_hosts',
      {
        hint: 'run ssh devserver once',
      },
    );
    const { report, check, ports } = await doctor({
      login: async () => ({
        hostKey: { kind: 'refused', error },
        devServer: undefined,
        method: undefined,
        error,
      }),
    });
    expect(report.ok).toBe(false);
    expect(check('host-key').status).toBe('fail');
    expect(check('host-key').detail).toContain('looked in: /home/me/.ssh/known_hosts');
    expect(check('host-key').hint).toBe('run ssh devserver once');
    expect(check('auth')).toMatchObject({ status: 'skip', detail: 'needs host key' });
    expect(check('docker')).toMatchObject({ status: 'skip', detail: 'needs authentication' });
    expect(ports.calls).not.toContain('dockerEngine');
  });

  it('warns (and goes on) when the ssh config would accept a new host key at connect', async () => {
    const { report, check } = await doctor({
      login: async () => ({
        hostKey: {
          kind: 'new',
          keyType: 'ED25519',
          fingerprint: 'SHA256:abc',
          policy: 'StrictHostKeyChecking accept-new',
        },
        devServer: fakePorts().devServer,
        method: 'publickey',
        error: undefined,
      }),
    });
    expect(report.ok).toBe(true);
    expect(check('host-key')).toMatchObject({ status: 'warn' });
    expect(check('host-key').detail).toContain(
      'tunnel connect will add it (StrictHostKeyChecking accept-new)',
    );
    expect(check('docker').status).toBe('pass');
  });

  it('fails authentication with the error that names the keys tried', async () => {
    const error = new TunnelError(
      'SSH_AUTH',
      'Authentication to dev@dev.example.com:22 failed: tried ~/.ssh/id_ed25519.',
    );
    const { check } = await doctor({
      login: async () => ({
        hostKey: { kind: 'match', keyType: 'ED25519', fingerprint: 'SHA256:host' },
        devServer: undefined,
        method: undefined,
        error,
      }),
    });
    expect(check('host-key').status).toBe('pass');
    expect(check('auth')).toMatchObject({ status: 'fail', detail: error.message });
  });

  it('turns a failing ssh -G into a failed first check and skips the rest but the login item', async () => {
    const { report, check } = await doctor({
      resolveTarget: async () => {
        throw new TunnelError('SSH_CONFIG', 'ssh -G devserver failed: bad option', { hint: 'fix it' });
      },
    });
    expect(report.checks[0]).toMatchObject({ status: 'fail', hint: 'fix it' });
    const hostChecks = report.checks.slice(1).filter((check) => check.id !== 'login-item');
    expect(hostChecks.every((check) => check.status === 'skip')).toBe(true);
    // Whether the agent starts at login does not depend on the host.
    expect(check('login-item').status).toBe('pass');
  });

  it('warns, with the command, when the login item names a node that is gone', async () => {
    const { report, check } = await doctor({
      loginItem: async () => ({
        installed: true,
        file: '/Users/me/Library/LaunchAgents/dev.tunnel.agent.plist',
        problem: 'the program /opt/homebrew/Cellar/node/23.3.0/bin/node is gone (brew upgrade?)',
        fix: 'tunnel agent install',
      }),
    });
    expect(report.ok).toBe(true);
    expect(check('login-item')).toEqual({
      id: 'login-item',
      title: 'start at login',
      status: 'warn',
      detail:
        '/Users/me/Library/LaunchAgents/dev.tunnel.agent.plist: the program ' +
        '/opt/homebrew/Cellar/node/23.3.0/bin/node is gone (brew upgrade?): the agent will not start at login',
      hint: 'run: tunnel agent install',
    });
  });

  it('skips the login item where no service manager is supported', async () => {
    const { check } = await doctor({ loginItem: async () => undefined });
    expect(check('login-item')).toMatchObject({ status: 'skip' });
  });

  it('reports an unexpected exception as a failure that asks for a bug report', async () => {
    const { check } = await doctor({
      findK3d: async () => {
        throw new Error('boom');
      },
    });
    expect(check('k3d')).toMatchObject({
      status: 'fail',
      detail: 'boom',
      hint: expect.stringContaining('bug'),
    });
  });

  it('warns about an old k3d and about a k3d that does not say its version', async () => {
    const old = await doctor({
      findK3d: async () => ({
        command: ['k3d'],
        path: 'k3d',
        foundVia: 'PATH',
        k3dVersion: 'v4.4.8',
        k3sVersion: undefined,
      }),
    });
    expect(old.check('k3d')).toMatchObject({ status: 'warn', hint: expect.stringContaining('Upgrade k3d') });
    const silent = await doctor({
      findK3d: async () => ({
        command: ['/opt/k3d'],
        path: '/opt/k3d',
        foundVia: 'install path',
        k3dVersion: undefined,
        k3sVersion: undefined,
      }),
    });
    expect(silent.check('k3d').status).toBe('warn');
    expect(silent.report.ok).toBe(true);
  });

  it('warns about k3d up front when the engine would refuse its docker client (k3d v5.6.0 speaks API 1.43; Docker 29 needs 1.44)', async () => {
    const k3dAt = (k3dVersion: string) => async () => ({
      command: ['/usr/local/bin/k3d'],
      path: '/usr/local/bin/k3d',
      foundVia: 'PATH' as const,
      k3dVersion,
      k3sVersion: undefined,
    });
    const docker29 = async () => ({ kind: 'up' as const, version: '29.0.1', minApi: '1.44' });
    const old = await doctor({ dockerEngine: docker29, findK3d: k3dAt('v5.6.0') });
    expect(old.check('docker').status).toBe('pass');
    expect(old.check('k3d')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(
        'k3d v5.6.0 on devserver is too old for Docker 29.0.1 (it speaks Docker API 1.43; the engine needs 1.44 or later',
      ),
      hint: expect.stringContaining('Upgrade k3d on the dev server to v5.6.1 or later'),
    });
    // k3d's docker client reads DOCKER_API_VERSION (the CLI endpoint's ClientOpts): the hint says what may still work.
    expect(old.check('k3d').hint).toContain(
      "If DOCKER_API_VERSION in k3d's environment names an API the engine serves",
    );
    // Told from versions only: the clusters row still runs the real call, which proves it either way.
    expect(old.check('clusters').status).not.toBe('skip');
    expect((await doctor({ dockerEngine: docker29, findK3d: k3dAt('v5.6.1') })).check('k3d').status).toBe(
      'pass',
    );
    const docker28 = async () => ({ kind: 'up' as const, version: '28.5.1', minApi: '1.24' });
    expect((await doctor({ dockerEngine: docker28, findK3d: k3dAt('v5.6.0') })).check('k3d').status).toBe(
      'pass',
    );
  });

  it('says how k3d runs: through the login shell wherever it was found, or without one', async () => {
    const viaShell = await doctor({
      findK3d: async () => ({
        command: ['/bin/bash', '-l', '-c', 'script', '/usr/local/bin/k3d'],
        path: '/usr/local/bin/k3d',
        foundVia: 'PATH',
        shell: '/bin/bash',
        k3dVersion: 'v5.9.0',
        k3sVersion: undefined,
      }),
    });
    expect(viaShell.check('k3d').detail).toContain(
      "/usr/local/bin/k3d, on the SSH session's PATH; run through the login shell /bin/bash, so its profile applies",
    );
    const plain = await doctor({
      findK3d: async () => ({
        command: ['/usr/local/bin/k3d'],
        path: '/usr/local/bin/k3d',
        foundVia: 'PATH',
        k3dVersion: 'v5.9.0',
        k3sVersion: undefined,
      }),
    });
    expect(plain.check('k3d').detail).toContain('run without a login shell (none usable)');
  });

  it('warns when the dev server has no cluster, and skips the port checks then', async () => {
    const { report, check } = await doctor({ listClusters: async () => [] });
    expect(check('clusters')).toMatchObject({
      status: 'warn',
      hint: expect.stringContaining('k3d cluster create'),
    });
    expect(check('local-ports')).toMatchObject({ status: 'skip' });
    expect(report.ok).toBe(true);
  });
});

describe('runDoctor: local ports', () => {
  it('names a stale kubectl port-forward holding a port: a warning, since connect picks another port', async () => {
    const { report, check } = await doctor({
      isPortFree: async (_address, port) => port !== 8080,
      portOwner: async () => portOwner(),
    });
    expect(report.ok).toBe(true);
    const ports = check('local-ports');
    expect(ports.status).toBe('warn');
    expect(ports.detail).toContain(
      '127.0.0.1:8080 (my-app service) is held by kubectl port-forward (pid 4242): kubectl port-forward svc/web 8080:80',
    );
    expect(ports.detail).toContain('free on 127.0.0.1: 16443');
    expect(ports.hint).toContain('A stale kubectl port-forward?');
    expect(ports.hint).toContain('kill 4242');
  });

  it('fails when a --map pinned port is held, since connect would fail', async () => {
    const { report, check } = await doctor(
      {
        isPortFree: async (_address, port) => port !== 18080,
        portOwner: async () =>
          portOwner({ kind: 'ssh-forward', description: 'an ssh -L tunnel (pid 77)', pid: 77 }),
      },
      { maps: new Map([[8080, 18080]]) },
    );
    expect(report.ok).toBe(false);
    expect(check('local-ports').detail).toContain('--map 8080:18080 pins it: tunnel connect will fail');
    expect(check('local-ports').hint).toContain('An old ssh -L tunnel?');
  });

  it('counts --map 8080:8080 as a pin too', async () => {
    const { report } = await doctor(
      { isPortFree: async (_address, port) => port !== 8080, portOwner: async () => portOwner() },
      { maps: new Map([[8080, 8080]]) },
    );
    expect(report.ok).toBe(false);
  });

  it("accepts ports held by tunnel's own session for this host", async () => {
    const { check } = await doctor({ isPortFree: async () => false, ownSession: async () => ownSession() });
    expect(check('local-ports')).toMatchObject({ status: 'pass' });
    expect(check('local-ports').detail).toBe(
      "in use by tunnel's own session for devserver on 127.0.0.1: 16443 8080",
    );
  });

  it('says so when the holder cannot be told', async () => {
    const { check } = await doctor({ isPortFree: async (_a, port) => port !== 16443 });
    expect(check('local-ports').detail).toContain('held by another process (which one could not be told)');
  });
});

describe('runDoctor: Kubernetes API and NodePorts', () => {
  it("uses the session's kube context through its local API forward when a session runs", async () => {
    const probes: unknown[] = [];
    const { check, ports } = await doctor({
      isPortFree: async () => false,
      ownSession: async () => ownSession(),
      kubeVersionViaContext: async (probe) => {
        probes.push(probe);
        return 'v1.31.5+k3s1';
      },
    });
    expect(probes).toEqual([
      {
        kubeconfigFile: '/home/me/.kube/config',
        context: 'k3d-my-app@devserver',
        address: '127.0.0.1:16443',
      },
    ]);
    expect(check('kube-api').detail).toBe(
      'my-app: Kubernetes v1.31.5+k3s1 through 127.0.0.1:16443 (context k3d-my-app@devserver)',
    );
    expect(ports.calls).not.toContain('kubeVersionViaSsh');
    expect(ports.calls.filter((name) => name === 'ownSession')).toHaveLength(1);
  });

  it('falls back to an SSH channel without a session, and says the context was not tried', async () => {
    const { check } = await doctor();
    expect(check('kube-api').detail).toContain(
      "my-app: Kubernetes v1.31.5+k3s1 (over SSH, with k3d's kubeconfig)",
    );
    expect(check('kube-api').detail).toContain('no tunnel session for devserver');
  });

  it('asks over SSH while the session reconnects, and says why its context was not tried', async () => {
    const { check, ports } = await doctor({
      isPortFree: async () => false,
      ownSession: async () => ownSession({ state: 'reconnecting' }),
    });
    expect(ports.calls).not.toContain('kubeVersionViaContext');
    expect(check('kube-api').detail).toContain(
      'the session for devserver is reconnecting, so the kube context was not tried',
    );
  });

  it('without a session, fails on a context for this host that carries an exec plugin', async () => {
    const asked: unknown[] = [];
    const ports = fakePorts({
      unsafeContexts: async (file, contexts) => {
        asked.push({ file, contexts });
        return [{ context: contexts[0]!, problem: 'carries users[].user.exec', hint: 'delete it' }];
      },
    });
    const report = await runDoctor({
      alias: 'devserver',
      plan,
      kubeconfig: { file: '/home/me/.kube/config', contextFor: (cluster) => `k3d-${cluster}@devserver` },
      ports,
    });
    expect(asked).toEqual([{ file: '/home/me/.kube/config', contexts: ['k3d-my-app@devserver'] }]);
    expect(report.checks.find((check) => check.id === 'kube-api')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('carries users[].user.exec'),
      hint: 'delete it',
    });
  });

  it('fails the API check with the client error, and skips NodePorts', async () => {
    const { check } = await doctor({
      ownSession: async () => ownSession(),
      isPortFree: async () => false,
      kubeVersionViaContext: async () => {
        throw new TunnelError('KUBE_API', 'the API answered 401 to GET /version', { hint: 'reconnect' });
      },
    });
    expect(check('kube-api')).toMatchObject({ status: 'fail', hint: 'reconnect' });
    expect(check('kube-api').detail).toContain(
      'my-app: context k3d-my-app@devserver through 127.0.0.1:16443: the API answered 401',
    );
    expect(check('nodeports')).toMatchObject({ status: 'skip', detail: 'needs Kubernetes API' });
  });

  it('warns about Services no mapping reaches, pointing at tunnel nodeports', async () => {
    const { report, check } = await doctor({
      nodePorts: async () => ({
        cluster: 'my-app',
        problems: ['default/api:80 (nodePort 31234): nodePort 31234 is not mapped by k3d'],
        checked: 1,
      }),
    });
    expect(report.ok).toBe(true);
    expect(check('nodeports')).toMatchObject({
      status: 'warn',
      hint: expect.stringContaining('tunnel nodeports devserver'),
    });
    expect(check('nodeports').detail).toBe(
      'my-app: default/api:80 (nodePort 31234): nodePort 31234 is not mapped by k3d',
    );
  });
});
