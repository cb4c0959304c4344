// `k3d cluster create` and `k3d cluster delete` on the dev server, over an SshConnection we are given:
// k3d's progress is streamed line by line to the caller, and a failure becomes a plain TunnelError that
// says what happened (a port taken, the name taken, docker down), whether k3d rolled back, and what next.
import { TunnelError } from '../errors.js';
import type { ExecResult, SshConnection } from '../ssh/types.js';
import { type CreateRequest, k3dCreateArgs } from './cluster-request.js';
import { runK3d } from './k3d.js';
import { type CreateFailure, classifyCreateFailure, classifyDelete } from './k3d-outcome.js';
import { runtimeCause } from './k3d-runtime.js';
import type { K3dInfo } from './types.js';

// Pulling images and starting k3s on a slow machine takes minutes; k3d has no timeout of its own.
const CREATE_TIMEOUT_MS = 15 * 60_000;
const DELETE_TIMEOUT_MS = 5 * 60_000;

export interface RunOptions {
  /** Each complete output line (stdout and stderr), as it arrives. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Splits chunks into lines, per stream (a line may arrive in pieces). */
function lineSplitter(onLine: ((line: string) => void) | undefined) {
  const pending = { stdout: '', stderr: '' };
  const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    if (!onLine) return;
    const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
    pending[stream] = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  const flush = () => {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (pending[stream] !== '') onLine?.(pending[stream]);
      pending[stream] = '';
    }
  };
  return { onOutput, flush };
}

async function runStreaming(
  conn: SshConnection,
  k3d: K3dInfo,
  args: string[],
  options: RunOptions & { timeoutMs: number },
): Promise<ExecResult> {
  const lines = lineSplitter(options.onLine);
  try {
    return await runK3d(conn, k3d, args, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: lines.onOutput,
    });
  } finally {
    lines.flush();
  }
}

/** Runs `k3d cluster create` for the request; resolves when k3d reports success. */
export async function createCluster(
  conn: SshConnection,
  k3d: K3dInfo,
  request: CreateRequest & { apiPort: number },
  options: RunOptions = {},
): Promise<void> {
  const result = await runStreaming(conn, k3d, k3dCreateArgs(request), {
    ...options,
    timeoutMs: CREATE_TIMEOUT_MS,
  });
  if (result.code === 0) return;
  const what = `Cannot create cluster "${request.name}" on ${conn.target.alias}`;
  const runtime = runtimeCause(`${result.stdout}\n${result.stderr}`, {
    host: conn.target.alias,
    k3dVersion: k3d.k3dVersion,
    shell: k3d.shell,
    what,
  });
  if (runtime) throw runtime;
  throw createError(
    conn.target.alias,
    request.name,
    classifyCreateFailure(result.stdout, result.stderr),
    result,
  );
}

function rollbackNote(failure: CreateFailure): string {
  if (failure.rollback === 'done') return ' k3d removed what it had created.';
  if (failure.rollback === 'failed') return ' k3d could not remove everything it had created.';
  if (failure.rollback === 'disabled') return ' k3d left what it had created (rollback disabled).';
  return '';
}

function createError(host: string, name: string, failure: CreateFailure, result: ExecResult): TunnelError {
  const what = `Cannot create cluster "${name}" on ${host}`;
  const rolled = rollbackNote(failure);
  const leftovers =
    failure.rollback === 'failed' || failure.rollback === 'disabled'
      ? ` Clean up with: tunnel cluster delete ${host} ${name}.`
      : '';
  switch (failure.kind) {
    case 'port-in-use':
      return new TunnelError(
        'PORT',
        `${what}: port ${failure.port} is already in use on the dev server (docker: ${failure.detail}).${rolled}`,
        {
          hint:
            `See what holds it: ssh ${host} ss -ltnp 'sport = :${failure.port}' — then pick another host port ` +
            `(-p <port>:<nodePort>) or stop that program.${leftovers}`,
        },
      );
    case 'name-taken':
      return new TunnelError('BAD_INPUT', `${what}: A cluster with that name already exists.`, {
        hint: `Pick another name, or delete it first: tunnel cluster delete ${host} ${name}`,
      });
    default: {
      const status =
        result.code === null
          ? `was stopped (${result.signal ?? 'no exit status'})`
          : `exited with ${result.code}`;
      return new TunnelError(
        'REMOTE_COMMAND',
        `${what}: k3d ${status}: ${failure.detail || 'no error output'}.${rolled}`,
        {
          hint:
            failure.kind === 'invalid-config'
              ? `k3d refused the configuration; run it by hand to see its full output: ssh ${host} k3d cluster create ${name} …`
              : `See k3d's full output by hand: ssh ${host} k3d cluster list; k3d cluster create ${name} …${leftovers}`,
        },
      );
    }
  }
}

/** Runs `k3d cluster delete NAME`; 'not-found' when there was no such cluster (k3d says so and exits 0). */
export async function deleteCluster(
  conn: SshConnection,
  k3d: K3dInfo,
  name: string,
  options: RunOptions = {},
): Promise<'deleted' | 'not-found'> {
  const result = await runStreaming(conn, k3d, ['cluster', 'delete', name], {
    ...options,
    timeoutMs: DELETE_TIMEOUT_MS,
  });
  const host = conn.target.alias;
  // k3d finds "no nodes" when it cannot ask docker, and would call that "nothing to delete" (exit 0).
  const what = `Cannot delete cluster "${name}" on ${host}`;
  const runtime = runtimeCause(`${result.stdout}\n${result.stderr}`, {
    host,
    k3dVersion: k3d.k3dVersion,
    shell: k3d.shell,
    what,
  });
  if (runtime) throw runtime;
  const outcome = classifyDelete(result.stdout, result.stderr, result.code);
  if (outcome.kind === 'deleted' || outcome.kind === 'not-found') return outcome.kind;
  throw new TunnelError('REMOTE_COMMAND', `Cannot delete cluster "${name}" on ${host}: ${outcome.detail}.`, {
    hint: `See k3d's full output by hand: ssh ${host} k3d cluster delete ${name}`,
  });
}
