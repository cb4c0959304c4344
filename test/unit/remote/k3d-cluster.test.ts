import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { parseCreateRequest } from '../../../src/remote/cluster-request.js';
import { listRemoteListeners } from '../../../src/remote/host-ports.js';
import { createCluster, deleteCluster } from '../../../src/remote/k3d-cluster.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import type { ExecOptions, ExecResult, SshConnection, SshTarget } from '../../../src/ssh/types.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');
const k3d: K3dInfo = {
  command: ['/home/dev/.local/bin/k3d'],
  path: '/home/dev/.local/bin/k3d',
  foundVia: 'install path',
  k3dVersion: 'v5.9.0',
  k3sVersion: undefined,
};

/** Answers every exec with `result`, streaming its output in two-byte chunks first (as SSH may split it). */
function connection(result: Partial<ExecResult>, scripts: Record<string, Partial<ExecResult>> = {}) {
  const calls: string[][] = [];
  const conn: SshConnection = {
    target: { alias: 'devserver' } as SshTarget,
    exec: async (argv: readonly string[], options: ExecOptions = {}) => {
      calls.push([...argv]);
      for (const [stream, text] of [
        ['stdout', result.stdout ?? ''],
        ['stderr', result.stderr ?? ''],
      ] as const) {
        for (let at = 0; at < text.length; at += 2)
          options.onOutput?.(stream, Buffer.from(text.slice(at, at + 2)));
      }
      return { stdout: '', stderr: '', code: 0, signal: undefined, ...result };
    },
    execShell: async (script: string) => ({
      stdout: '',
      stderr: '',
      code: 127,
      signal: undefined,
      ...scripts[script],
    }),
    forwardOut: () => Promise.reject(new Error('not used')),
    closed: new Promise(() => {}),
    close: () => {},
  };
  return { conn, calls };
}

const request = { ...parseCreateRequest('my-app', { port: ['8080:30080@server:0'] }), apiPort: 16443 };

async function failure(promise: Promise<unknown>): Promise<TunnelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelError);
    return error as TunnelError;
  }
  throw new Error('it succeeded');
}

describe('createCluster', () => {
  it('runs k3d with every argument as its own word and streams its lines as they come', async () => {
    const { conn, calls } = connection({ stdout: fixture('create-success.stdout.txt') });
    const lines: string[] = [];
    await createCluster(conn, k3d, request, { onLine: (line) => lines.push(line) });
    expect(calls[0]?.slice(0, 6)).toEqual([
      'env',
      'LOG_LEVEL=info',
      '/home/dev/.local/bin/k3d',
      'cluster',
      'create',
      'my-app',
    ]);
    expect(lines.filter((line) => line.includes("Cluster 'my-app' created successfully!"))).toHaveLength(1);
    expect(lines.at(-1)).toBe('kubectl cluster-info');
  });

  it('a port docker could not bind: names it, says k3d rolled back, hints ss on the dev server', async () => {
    const { conn } = connection({
      code: 1,
      stdout: fixture('create-port-allocated.stdout.txt'),
      stderr: fixture('create-port-allocated.stderr.txt'),
    });
    const error = await failure(createCluster(conn, k3d, request));
    expect(error.code).toBe('PORT');
    expect(error.message).toBe(
      'Cannot create cluster "my-app" on devserver: port 8080 is already in use on the dev server ' +
        '(docker: Bind for 0.0.0.0:8080 failed: port is already allocated). k3d removed what it had created.',
    );
    expect(error.hint).toContain("ssh devserver ss -ltnp 'sport = :8080'");
  });

  it('the name taken, and docker down', async () => {
    const taken = await failure(
      createCluster(
        connection({ code: 1, stderr: fixture('create-name-taken.stderr.txt') }).conn,
        k3d,
        request,
      ),
    );
    expect(taken.message).toContain('A cluster with that name already exists');
    expect(taken.hint).toContain('tunnel cluster delete devserver my-app');
    const down = await failure(
      createCluster(
        connection({
          code: 1,
          stderr:
            'FATA[0000] Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
        }).conn,
        k3d,
        request,
      ),
    );
    expect(down.message).toBe(
      'Cannot create cluster "my-app" on devserver: k3d could not reach the docker engine at unix:///var/run/docker.sock: docker is not running there, or runs elsewhere.',
    );
    expect(down.hint).toContain('ssh devserver docker info');
  });
});

describe('deleteCluster', () => {
  it('deleted, or not found (k3d exits 0 for both)', async () => {
    expect(
      await deleteCluster(connection({ stdout: fixture('delete-success.stdout.txt') }).conn, k3d, 'my-app'),
    ).toBe('deleted');
    expect(
      await deleteCluster(connection({ stdout: fixture('delete-not-found.stdout.txt') }).conn, k3d, 'my-app'),
    ).toBe('not-found');
  });

  it('docker down is an error, not "nothing to delete"', async () => {
    const error = await failure(
      deleteCluster(
        connection({
          stdout: fixture('delete-not-found.stdout.txt'),
          stderr: fixture('delete-docker-down.stderr.txt'),
        }).conn,
        k3d,
        'my-app',
      ),
    );
    expect(error.message).toMatch(
      /^Cannot delete cluster "my-app" on devserver: k3d could not reach the docker engine.*: docker is not running there/,
    );
  });

  it('an old k3d refused by Docker 29 is named, for delete (k3d says "nothing to delete", exit 0) and create', async () => {
    const old = { ...k3d, k3dVersion: 'v5.6.0' };
    const refused =
      'Error response from daemon: client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version';
    const erro = `\u001b[31mERRO\u001b[0m[0000] Failed to get nodes for cluster 'my-app': docker failed to get containers with labels 'map[k3d.cluster:my-app]': failed to list containers: ${refused}\n`;
    const deleted = await failure(
      deleteCluster(
        connection({ stdout: fixture('delete-not-found.stdout.txt'), stderr: erro }).conn,
        old,
        'my-app',
      ),
    );
    expect(deleted.message).toBe(
      'Cannot delete cluster "my-app" on devserver: k3d v5.6.0 is too old for this docker engine (it speaks Docker API 1.43; the engine needs 1.44 or later, as Docker 29 does).',
    );
    const fata = `\u001b[31mFATA\u001b[0m[0000] Failed Cluster Preparation: Failed Network Preparation: failed to create cluster network: docker failed to list networks: ${refused}\n`;
    const created = await failure(createCluster(connection({ code: 1, stderr: fata }).conn, old, request));
    expect(created.message).toMatch(/^Cannot create cluster "my-app" on devserver: k3d v5\.6\.0 is too old/);
    expect(created.hint).toContain('v5.6.1 or later');
  });
});

describe('listRemoteListeners', () => {
  it('reads ss, and /proc/net/tcp where there is no ss', async () => {
    const withSs = connection(
      {},
      {
        'PATH="$PATH:/usr/sbin:/sbin"; exec ss -ltnH': {
          code: 0,
          stdout: 'LISTEN 0 4096 0.0.0.0:8080 0.0.0.0:*\n',
        },
      },
    );
    expect(await listRemoteListeners(withSs.conn)).toEqual({
      source: 'ss',
      listeners: [{ address: '0.0.0.0', port: 8080, processes: [] }],
    });
    const withProc = connection(
      {},
      {
        'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null': {
          code: 0,
          stdout: '  sl  local_address rem_address   st\n   0: 0100007F:403B 00000000:0000 0A 0\n',
        },
      },
    );
    expect((await listRemoteListeners(withProc.conn)).listeners).toEqual([
      { address: '127.0.0.1', port: 16443, processes: [] },
    ]);
    expect((await listRemoteListeners(connection({}).conn)).source).toBeUndefined();
  });
});
