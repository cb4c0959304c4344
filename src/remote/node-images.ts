// The images inside k3d's node containers, through the dev server's container CLI (container-cli.ts: docker,
// or podman with the same arguments): `docker exec <node>
// crictl images -o json` (what the kubelet will find: the CRI's view, not just a containerd record) and a
// direct `ctr -n k8s.io images import -` fed from a tar file on the dev server. Arguments are argv words
// (quoted by the SSH layer); the file reaches the run script (program.ts) as an argument, never spliced.
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import type { ExecResult, SshConnection } from '../ssh/types.js';
import type { FindOptions } from './k3d.js';
import { summarizeK3dError } from './k3d-log.js';
import { findProgram, type RemoteProgram, type Runnable, runProgram } from './program.js';

/** A container CLI as found (container-cli.ts), with its global options. */
export interface CliCall {
  program: Runnable;
  kind: 'docker' | 'podman';
  args: readonly string[];
}

/** The engine's platform as its CLI reports it (raw, e.g. linux/x86_64), or why it could not say. */
export interface EngineAnswer {
  platform: string | undefined;
  error: string | undefined;
}

export const DOCKER_FALLBACK_PATHS: readonly string[] = [
  '/usr/bin/docker',
  '/usr/local/bin/docker',
  '$HOME/.local/bin/docker',
  '/snap/bin/docker',
  '$HOME/bin/docker',
];

const NODE_TIMEOUT_MS = 60_000;
const IMPORT_TIMEOUT_MS = 30 * 60_000;

// docker info: the kernel's machine name (x86_64, aarch64); podman info: Go's (amd64, arm64), under Host
// (libpod/define/info.go HostInfo). platform.ts normalises both.
const ENGINE_PLATFORM_FORMAT = {
  docker: '{{.OSType}}/{{.Architecture}}',
  podman: '{{.Host.OS}}/{{.Host.Arch}}',
} as const;

/**
 * The engine's platform as its CLI reports it (raw, e.g. linux/x86_64), or undefined with why it could not
 * say. The nodes are containers of this engine running k3s's multi-arch image natively, so this is theirs.
 */
export async function enginePlatform(
  conn: SshConnection,
  cli: CliCall,
  signal?: AbortSignal,
): Promise<EngineAnswer> {
  const args = [...cli.args, 'info', '--format', ENGINE_PLATFORM_FORMAT[cli.kind]];
  const result = await runProgram(conn, cli.program, args, { timeoutMs: NODE_TIMEOUT_MS, signal });
  if (result.code !== 0) return { platform: undefined, error: failure(result) };
  const text = remoteText(result.stdout.trim().split('\n').at(-1) ?? '');
  // Some docker versions print the template with empty server fields ("/") when the daemon is away.
  if (!/^[A-Za-z]+\/[A-Za-z0-9_]+$/.test(text)) {
    return { platform: undefined, error: failure(result) };
  }
  return { platform: text, error: undefined };
}

/** The docker CLI on the dev server, found by the one find routine (program.ts), like k3d. */
export async function findDocker(conn: SshConnection, options: FindOptions = {}): Promise<RemoteProgram> {
  const outcome = await findProgram(conn, {
    name: 'docker',
    installPaths: DOCKER_FALLBACK_PATHS,
    ...options,
  });
  if (outcome.program) return outcome.program;
  const host = conn.target.alias;
  throw new TunnelError('DOCKER_MISSING', `The docker CLI was not found on ${host}.`, {
    hint:
      'tunnel checks the engine and the images inside the nodes with the docker CLI. Install it there, or add ' +
      `its directory to PATH in ~/.profile. Check with: ssh ${host} 'command -v docker'`,
  });
}

/** The repo tags in `crictl images -o json` (`{"images":[{"repoTags":[…]}]}`); anything else is K3D_OUTPUT. */
export function parseCrictlImages(stdout: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw crictlOutput(`not JSON: ${remoteText(JSON.stringify(stdout.trim().slice(0, 60)))}`);
  }
  const images = (data as { images?: unknown } | null)?.images;
  // protojson leaves out an empty repeated field: a node without images prints `{}`.
  if (images === undefined) return [];
  if (!Array.isArray(images)) throw crictlOutput('"images" is not an array');
  return images.flatMap((image: unknown) => {
    const tags = (image as { repoTags?: unknown } | null)?.repoTags;
    return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
  });
}

function crictlOutput(what: string): TunnelError {
  return new TunnelError('K3D_OUTPUT', `Unexpected output from crictl in a k3d node: ${what}`, {
    hint: 'See it on the dev server: docker exec <node> crictl images -o json',
  });
}

export interface NodeCheck {
  present: boolean;
  /** Why the node could not be asked (not running, docker error); undefined when it answered. */
  error: string | undefined;
}

export interface NodeRequest {
  /** The dev server's container CLI (docker or podman, container-cli.ts). */
  docker: Runnable;
  /** Its global options (podman's --url); none by default. */
  globalArgs?: readonly string[];
  node: string;
  signal?: AbortSignal;
}

/** Whether `image` (containerd's full name, e.g. docker.io/library/app:1.0) is in the node's CRI store. */
export async function checkNodeImage(
  conn: SshConnection,
  request: NodeRequest & { image: string },
): Promise<NodeCheck> {
  const { docker, node, image, signal } = request;
  const args = [...(request.globalArgs ?? []), 'exec', node, 'crictl', 'images', '-o', 'json'];
  const result = await runProgram(conn, docker, args, {
    timeoutMs: NODE_TIMEOUT_MS,
    signal,
  });
  if (result.code !== 0) return { present: false, error: failure(result) };
  return { present: parseCrictlImages(result.stdout).includes(image), error: undefined };
}

/**
 * Imports the tar file into the node with ctr, reading it on the dev server (nothing crosses SSH again).
 * Without --all-platforms, unlike k3d: a `docker save` tar holds one platform, and asking for all of them
 * is what makes ctr fail with "content digest … not found" (k3d issue #1538).
 */
export async function importIntoNode(
  conn: SshConnection,
  request: NodeRequest & { file: string },
): Promise<string | undefined> {
  // The file is docker's stdin only: a login shell around docker opens it after its profile ran.
  const exec = ['exec', '-i', request.node, 'ctr', '-n', 'k8s.io', 'images', 'import', '-'];
  const args = [...(request.globalArgs ?? []), ...exec];
  const result = await runProgram(conn, request.docker, args, {
    timeoutMs: IMPORT_TIMEOUT_MS,
    signal: request.signal,
    stdinFile: request.file,
  });
  return result.code === 0 ? undefined : failure(result);
}

function failure(result: ExecResult): string {
  const text = summarizeK3dError(result.stderr) || summarizeK3dError(result.stdout);
  const status =
    result.code === null ? `killed (${result.signal ?? 'no exit status'})` : `exit ${result.code}`;
  return text === '' ? status : `${text} (${status})`;
}
