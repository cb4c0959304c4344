import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { findK3d, getKubeconfig, K3D_FALLBACK_PATHS, listClusters } from '../../../src/remote/k3d.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import type { ExecResult, SshConnection, SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

type Call = { kind: 'exec'; argv: string[] } | { kind: 'shell'; script: string };
type Reply = Partial<ExecResult> | Error;

const target: SshTarget = sshTarget({
  alias: 'devbox',
  hostName: 'devbox.example.com',
  user: 'dev',
  serverAliveIntervalSeconds: 15,
});

/** A fake SSH connection: records every call and answers from `reply` (exit 127 when it returns undefined). */
function fakeConnection(reply: (call: Call) => Reply | undefined): SshConnection & { calls: Call[] } {
  const calls: Call[] = [];
  const answer = async (call: Call): Promise<ExecResult> => {
    calls.push(call);
    const result = reply(call) ?? { code: 127, stderr: 'sh: 1: not found\n' };
    if (result instanceof Error) throw result;
    return { stdout: '', stderr: '', code: 0, signal: undefined, ...result };
  };
  return {
    target,
    calls,
    exec: (argv) => answer({ kind: 'exec', argv: [...argv] }),
    execShell: (script) => answer({ kind: 'shell', script }),
    forwardOut: () => Promise.reject(new Error('not used')),
    closed: new Promise(() => {}),
    close: () => {},
  };
}

const VERSION = { stdout: 'k3d version v5.9.0\nk3s version v1.31.5-k3s1 (default)\n' };
const isVersion = (call: Call) => call.kind === 'exec' && call.argv.at(-1) === 'version';
const k3d: K3dInfo = {
  command: ['/usr/local/bin/k3d'],
  path: '/usr/local/bin/k3d',
  foundVia: 'PATH',
  k3dVersion: 'v5.9.0',
  k3sVersion: undefined,
};
const fata = (message: string) => ({ code: 1, stderr: `\u001b[31mFATA\u001b[0m[0000] ${message}\n` });

describe('findK3d', () => {
  it('uses the k3d on the SSH session PATH and reads its version', async () => {
    const conn = fakeConnection((call) => {
      if (call.kind === 'shell' && call.script === 'command -v k3d')
        return { stdout: '/usr/local/bin/k3d\n' };
      if (isVersion(call)) return VERSION;
      return undefined;
    });
    expect(await findK3d(conn)).toEqual({
      command: ['/usr/local/bin/k3d'],
      path: '/usr/local/bin/k3d',
      foundVia: 'PATH',
      k3dVersion: 'v5.9.0',
      k3sVersion: 'v1.31.5-k3s1',
    });
    expect(conn.calls.at(-1)).toEqual({
      kind: 'exec',
      argv: ['env', 'LOG_LEVEL=info', '/usr/local/bin/k3d', 'version'],
    });
  });

  it('says everything it tried and how to install k3d when it is nowhere', async () => {
    const conn = fakeConnection((call) => (call.kind === 'shell' ? { code: 1 } : undefined));
    const error = await findK3d(conn).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TunnelError);
    const { code, message, hint } = error as TunnelError;
    expect(code).toBe('K3D_MISSING');
    expect(message).toContain('k3d was not found on devbox');
    expect(message).toContain('command -v k3d');
    expect(message).toContain("bash -l -c 'command -v k3d'");
    expect(message).toContain("sh -l -c 'command -v k3d'");
    for (const path of K3D_FALLBACK_PATHS) expect(message).toContain(path);
    expect(hint).toContain('https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh');
    expect(hint).toContain("ssh devbox 'command -v k3d; echo $PATH'");
  });

  it('tolerates a k3d that cannot print its version', async () => {
    for (const versionReply of [{ code: 1, stderr: 'boom' }, new Error('channel closed')]) {
      const conn = fakeConnection((call) => {
        if (call.kind === 'shell') return { stdout: '/usr/bin/k3d\n' };
        return isVersion(call) ? versionReply : undefined;
      });
      expect(await findK3d(conn)).toMatchObject({
        command: ['/usr/bin/k3d'],
        k3dVersion: undefined,
        k3sVersion: undefined,
      });
    }
  });
});

describe('listClusters', () => {
  it('runs `k3d cluster list -o json` as argv and parses it', async () => {
    const conn = fakeConnection(() => ({ stdout: fixture('k3d/cluster-list.json') }));
    const clusters = await listClusters(conn, k3d);
    expect(conn.calls).toEqual([
      {
        kind: 'exec',
        argv: ['env', 'LOG_LEVEL=info', '/usr/local/bin/k3d', 'cluster', 'list', '-o', 'json'],
      },
    ]);
    expect(clusters.map((cluster) => cluster.name)).toEqual(['legacy', 'my-app', 'shop']);
  });

  it('reports a failed k3d with its own words, colours stripped', async () => {
    const conn = fakeConnection(() =>
      fata("failed to list nodes: failed to translate container 'k3d-x' to k3d node spec: bad label"),
    );
    const error = (await listClusters(conn, k3d).catch((caught: unknown) => caught)) as TunnelError;
    expect(error.code).toBe('REMOTE_COMMAND');
    expect(error.message).toContain(
      '"k3d cluster list -o json" on devbox exited with 1: failed to list nodes',
    );
    expect(error.message).not.toContain('\u001b');
    expect(error.hint).toBe(
      'Run it on the dev server to see the full output: ssh devbox k3d cluster list -o json',
    );
  });

  it('hints at the docker group when the socket is not permitted', async () => {
    const conn = fakeConnection(() =>
      fata(
        'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock',
      ),
    );
    const error = (await listClusters(conn, k3d).catch((caught: unknown) => caught)) as TunnelError;
    expect(error.hint).toContain('usermod -aG docker');
  });

  it('passes K3D_OUTPUT errors from the parser through', async () => {
    const conn = fakeConnection(() => ({ stdout: 'NAME   SERVERS   AGENTS   LOADBALANCER\n' }));
    await expect(listClusters(conn, k3d)).rejects.toMatchObject({ code: 'K3D_OUTPUT' });
  });
});

describe('getKubeconfig', () => {
  it('runs `k3d kubeconfig get NAME` and returns the YAML without the --- line', async () => {
    const conn = fakeConnection(() => ({ stdout: fixture('kubeconfig/k3d-kubeconfig-get-my-app.txt') }));
    const yaml = await getKubeconfig(conn, k3d, 'my-app');
    expect(conn.calls).toEqual([
      { kind: 'exec', argv: ['env', 'LOG_LEVEL=info', '/usr/local/bin/k3d', 'kubeconfig', 'get', 'my-app'] },
    ]);
    expect(yaml.startsWith('apiVersion: v1\n')).toBe(true);
  });

  it('passes a hostile name as one argv word, and never echoes it into a hint command', async () => {
    const hostile = 'x; touch /tmp/pwned';
    const conn = fakeConnection(() => fata('No nodes found for given cluster'));
    const error = (await getKubeconfig(conn, k3d, hostile).catch((caught: unknown) => caught)) as TunnelError;
    expect(conn.calls).toEqual([
      { kind: 'exec', argv: ['env', 'LOG_LEVEL=info', '/usr/local/bin/k3d', 'kubeconfig', 'get', hostile] },
    ]);
    expect(error.code).toBe('CLUSTER_NOT_FOUND');
    expect(error.message).toContain('"x; touch /tmp/pwned"');
    expect(error.hint).toBe('See the clusters there: ssh devbox k3d cluster list');
  });

  it('keeps other failures as REMOTE_COMMAND with a safe hint', async () => {
    const conn = fakeConnection(() => fata('failed to copy kubeconfig: $(id)'));
    const error = (await getKubeconfig(conn, k3d, '$(id)').catch((caught: unknown) => caught)) as TunnelError;
    expect(error.code).toBe('REMOTE_COMMAND');
    expect(error.message).toContain(`"k3d kubeconfig get '$(id)'" on devbox exited with 1`);
    expect(error.hint).toBe(
      'Run it on the dev server to see the full output: ssh devbox k3d kubeconfig get <cluster>',
    );
  });

  // What k3d v5.9 prints for `kubeconfig get my-app` with docker down (pkg/client/cluster.go ClusterGet: the
  // runtime's error as ERRO, then ClusterGetNoNodesFoundError as FATA): the runtime is the cause.
  const erro = (message: string) => `\u001b[31mERRO\u001b[0m[0000] ${message}\n`;
  const noNodes = (cause: string) => ({
    code: 1,
    stderr:
      erro(
        "Failed to get nodes for cluster 'my-app': docker failed to get containers with labels " +
          `'map[k3d.cluster:my-app]': failed to list containers: ${cause}`,
      ) + fata('No nodes found for given cluster').stderr,
  });

  it('says docker is down (and where k3d dialed), not that there is no such cluster', async () => {
    const down =
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
    const conn = fakeConnection(() => noNodes(down));
    const error = (await getKubeconfig(conn, k3d, 'my-app').catch(
      (caught: unknown) => caught,
    )) as TunnelError;
    expect(error.code).toBe('REMOTE_COMMAND');
    expect(error.message).toBe(
      'k3d on devbox could not reach the docker engine at unix:///var/run/docker.sock: docker is not running there, or runs elsewhere.',
    );
    expect(error.hint).toContain('ssh devbox docker info');
    const list = fakeConnection(() =>
      fata(
        `runtime failed to list nodes: docker failed to get containers with labels 'map[app:k3d]': failed to list containers: ${down}`,
      ),
    );
    await expect(listClusters(list, k3d)).rejects.toMatchObject({
      code: 'REMOTE_COMMAND',
      message: expect.stringContaining('could not reach the docker engine at unix:///var/run/docker.sock'),
    });
  });

  it('says the socket refused the user (docker group), not that there is no such cluster', async () => {
    const denied =
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.51/containers/json": dial unix /var/run/docker.sock: connect: permission denied';
    const error = (await getKubeconfig(
      fakeConnection(() => noNodes(denied)),
      k3d,
      'my-app',
    ).catch((caught: unknown) => caught)) as TunnelError;
    expect(error.code).toBe('REMOTE_COMMAND');
    expect(error.message).toBe(
      'k3d on devbox was refused by the docker engine at unix:///var/run/docker.sock: your user may not use docker there.',
    );
    expect(error.hint).toContain('sudo usermod -aG docker $USER');
  });

  it('names an old k3d that Docker 29 refuses (client version 1.43 is too old) and the release to upgrade to', async () => {
    const refused =
      'Error response from daemon: client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version';
    const old = { ...k3d, k3dVersion: 'v5.6.0' };
    const error = (await getKubeconfig(
      fakeConnection(() => noNodes(refused)),
      old,
      'my-app',
    ).catch((caught: unknown) => caught)) as TunnelError;
    expect(error.message).toBe(
      'k3d v5.6.0 on devbox is too old for this docker engine (it speaks Docker API 1.43; the engine needs 1.44 or later, as Docker 29 does).',
    );
    expect(error.hint).toContain('Upgrade k3d on the dev server to v5.6.1 or later');
    expect(error.hint).toContain('install.sh | bash');
  });

  it('does not let a name that looks like a flag reach k3d', async () => {
    const conn = fakeConnection(() => ({ stdout: '---\napiVersion: v1\n' }));
    await expect(getKubeconfig(conn, k3d, '--all')).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' });
    expect(conn.calls).toEqual([]);
  });
});
