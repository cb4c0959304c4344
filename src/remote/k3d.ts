// k3d commands on the dev server, over an SshConnection we are given (this file never opens SSH).
// Every argument travels as its own argv word, which the SSH layer shell-quotes; user or remote data is
// never spliced into a script. Exit codes decide success; k3d's words only feed messages and hints.
import { TunnelError } from '../errors.js';
import { isPlainWord } from '../shell-word.js';
import type { ExecOptions, ExecResult, SshConnection } from '../ssh/types.js';
import {
  parseClusterList,
  parseK3dVersion,
  parseKubeconfigGetOutput,
  summarizeK3dError,
} from './k3d-parse.js';
import { runtimeCause } from './k3d-runtime.js';
import { type FindRequest, findProgram, pasteCommand, type RemoteProgram, runProgram } from './program.js';
import type { K3dCluster, K3dInfo } from './types.js';

/** How the caller helps the find: the login shell it already asked the server for. */
export type FindOptions = Pick<FindRequest, 'loginShell'>;

/** Where install scripts and package managers put k3d; probed when no shell's PATH has it. */
export const K3D_FALLBACK_PATHS: readonly string[] = [
  '$HOME/.local/bin/k3d',
  '/usr/local/bin/k3d',
  '/usr/bin/k3d',
  '/snap/bin/k3d',
  '$HOME/bin/k3d',
  '/opt/homebrew/bin/k3d',
  '/home/linuxbrew/.linuxbrew/bin/k3d',
];

/** What every k3d run gets over the login environment (program.ts runs it as `env LOG_LEVEL=info k3d …`). */
const K3D_ENV: Readonly<Record<string, string>> = { LOG_LEVEL: 'info' };

// A hung docker daemon makes k3d hang; bound every call so discovery can report instead of stalling.
const DEFAULT_TIMEOUT_MS = 60_000;

/** k3d on the dev server, found by the one find routine (program.ts), with its versions. */
export async function findK3d(conn: SshConnection, options: FindOptions = {}): Promise<K3dInfo> {
  const outcome = await findProgram(conn, { name: 'k3d', installPaths: K3D_FALLBACK_PATHS, ...options });
  if (outcome.program) return withVersions(conn, outcome.program);
  const host = conn.target.alias;
  throw new TunnelError('K3D_MISSING', `k3d was not found on ${host}. Tried: ${outcome.tried.join(', ')}.`, {
    hint:
      `Install k3d on the dev server (https://k3d.io): ssh ${host} ` +
      `'curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | bash'. ` +
      `If it is installed, see where and which PATH a non-interactive shell gets: ssh ${host} 'command -v k3d; echo $PATH'`,
  });
}

async function withVersions(conn: SshConnection, program: RemoteProgram): Promise<K3dInfo> {
  const info: K3dInfo = { ...program, k3dVersion: undefined, k3sVersion: undefined };
  try {
    const result = await runK3d(conn, info, ['version']);
    if (result.code !== 0) return info;
    const versions = parseK3dVersion(result.stdout);
    return { ...info, k3dVersion: versions.k3d, k3sVersion: versions.k3s };
  } catch {
    // The version is informational; a k3d that cannot say it may still list clusters.
    return info;
  }
}

/** Runs k3d with each argument as one argv word (the SSH layer quotes them). */
export async function runK3d(
  conn: SshConnection,
  k3d: K3dInfo,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const result = await runProgram(conn, k3d, args, {
    timeoutMs: DEFAULT_TIMEOUT_MS,
    ...options,
    // A LOG_LEVEL=debug in the user's profile puts debug lines (coloured, on stdout) before k3d's JSON and
    // YAML; k3d reads LOG_LEVEL unless --verbose/--trace is given, which tunnel never passes.
    env: K3D_ENV,
  });
  if (result.truncated) {
    // Parsing a cut-off document would give a misleading error (or worse, a partial cluster list).
    throw new TunnelError(
      'K3D_OUTPUT',
      `k3d ${args.join(' ')} printed more output than tunnel reads; it was cut off`,
      {
        hint: 'Run the same k3d command on the dev server to see what it prints.',
      },
    );
  }
  return result;
}

export async function listClusters(
  conn: SshConnection,
  k3d: K3dInfo,
  options: ExecOptions = {},
): Promise<K3dCluster[]> {
  const args = ['cluster', 'list', '-o', 'json'];
  const result = await runK3d(conn, k3d, args, options);
  // The JSON carries every node's K3S_TOKEN: never a word of it in an error.
  if (result.code !== 0) throw runtimeFailed(conn, k3d, result) ?? commandFailed(conn, k3d, args, result);
  return parseClusterList(result.stdout);
}

export async function getKubeconfig(
  conn: SshConnection,
  k3d: K3dInfo,
  clusterName: string,
  options: ExecOptions = {},
): Promise<string> {
  // k3d would read a leading dash as a flag (`--all`); k3d never creates such a name, so none exists.
  if (clusterName.startsWith('-')) throw clusterNotFound(conn, k3d, clusterName);
  const args = ['kubeconfig', 'get', clusterName];
  const result = await runK3d(conn, k3d, args, options);
  if (result.code !== 0) {
    // With docker down, ClusterGet logs the runtime's error and then finds "no nodes": the runtime is the cause.
    const runtime = runtimeFailed(conn, k3d, result);
    if (runtime) throw runtime;
    // k3d's ClusterGet error text; k3d has no distinct exit code for it.
    if (/no nodes found for given cluster/i.test(result.stderr))
      throw clusterNotFound(conn, k3d, clusterName);
    // stdout is the cluster-admin kubeconfig (its client key): never a word of it in an error.
    throw commandFailed(conn, k3d, args, result);
  }
  return parseKubeconfigGetOutput(result.stdout);
}

function clusterNotFound(conn: SshConnection, k3d: K3dInfo, clusterName: string): TunnelError {
  const host = conn.target.alias;
  return new TunnelError(
    'CLUSTER_NOT_FOUND',
    `There is no k3d cluster named ${JSON.stringify(clusterName)} on ${host}.`,
    {
      hint: `See the clusters there: ${pasteCommand(host, k3d.shell, 'k3d cluster list')}`,
    },
  );
}

// From stderr only (k3d logs its errors there): the stdout of both callers carries secrets.
function runtimeFailed(conn: SshConnection, k3d: K3dInfo, result: ExecResult): TunnelError | undefined {
  return runtimeCause(result.stderr, {
    host: conn.target.alias,
    k3dVersion: k3d.k3dVersion,
    shell: k3d.shell,
  });
}

// From stderr only (k3d logs its errors there): the stdout of both callers carries secrets.
function commandFailed(
  conn: SshConnection,
  k3d: K3dInfo,
  args: readonly string[],
  result: ExecResult,
): TunnelError {
  const host = conn.target.alias;
  const status =
    result.code === null ? `was killed (${result.signal ?? 'no exit status'})` : `exited with ${result.code}`;
  const summary = summarizeK3dError(result.stderr) || 'no error output';
  return new TunnelError(
    'REMOTE_COMMAND',
    `"k3d ${args.map(showWord).join(' ')}" on ${host} ${status}: ${summary}`,
    {
      hint: failureHint(host, k3d.shell, args, result),
    },
  );
}

// Hints only: the error code stays REMOTE_COMMAND whatever docker said.
function failureHint(
  host: string,
  shell: string | undefined,
  args: readonly string[],
  result: ExecResult,
): string {
  // Docker down or refusing this user was classified before (runtimeFailed).
  if (result.code === 127) return `k3d is no longer where it was found. Check: ssh ${host} 'command -v k3d'`;
  // Never print a remote-supplied word inside a command the user may paste (it passes two shells).
  const command = args.every(isPlainWord)
    ? `k3d ${args.join(' ')}`
    : `k3d ${args.slice(0, 2).join(' ')} <cluster>`;
  return `Run it on the dev server to see the full output: ${pasteCommand(host, shell, command)}`;
}

// For messages only: control characters escaped, so a remote name cannot fake extra lines.
function showWord(word: string): string {
  return isPlainWord(word) ? word : `'${JSON.stringify(word).slice(1, -1)}'`;
}
