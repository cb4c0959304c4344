// The docker CLI on this machine (the Mac): how big an image is, and `docker save` as a stream. Run with
// execFile/spawn, never through a shell; the reference was checked by reference.ts before it gets here.
import { execFile, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TunnelError } from '../errors.js';
import type { ImageReference } from './reference.js';

const INSPECT_TIMEOUT_MS = 60_000;
const MAX_STDERR_BYTES = 64 * 1024;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function runDocker(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: INSPECT_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code, stdout: String(stdout), stderr: String(stderr), missing });
    });
  });
}

export function dockerMissing(): TunnelError {
  return new TunnelError('IMAGE', 'docker was not found on this machine.', {
    hint:
      'tunnel image push runs "docker save" here and sends the image over SSH. Install Docker Desktop (or ' +
      'another docker CLI and engine) and check that "docker images" works in this terminal.',
  });
}

/** Turns docker's error text into what happened and what to run next. */
function dockerFailed(what: string, reference: ImageReference, stderr: string): TunnelError {
  const text = stderr.trim().split('\n').at(-1) ?? '';
  const image = reference.input;
  if (/no such image/i.test(text)) {
    return new TunnelError('IMAGE', `The image ${image} is not in this machine's docker.`, {
      hint: `Pull or build it first: docker pull ${image} (or docker build -t ${image} .). See what you have: docker images`,
    });
  }
  if (/cannot connect to the docker daemon|is the docker daemon running|error during connect/i.test(text)) {
    return new TunnelError('IMAGE', `docker on this machine is not running (${text}).`, {
      hint: 'Start Docker Desktop (or your docker engine), then check with: docker info',
    });
  }
  return new TunnelError(
    'IMAGE',
    `"docker ${what} ${image}" failed on this machine: ${text || 'no error output'}`,
    {
      hint: `Run it yourself to see the whole message: docker ${what} ${image}`,
    },
  );
}

/**
 * The image's size as `docker image inspect` reports it: the estimate the progress bar uses (the saved tar
 * is close to it, not equal). undefined when docker prints no number.
 */
export async function inspectLocalImage(reference: ImageReference): Promise<number | undefined> {
  const result = await runDocker(['image', 'inspect', '--format', '{{.Size}}', reference.input]);
  if (result.missing) throw dockerMissing();
  if (result.code !== 0) throw dockerFailed('image inspect', reference, result.stderr);
  const size = Number(result.stdout.trim());
  return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

export interface DockerSave {
  /** The tar stream; read it (pipe it) or docker save blocks. */
  stdout: Readable;
  /** Resolves when docker save exited 0; rejects with what docker said otherwise. */
  done: Promise<void>;
  /** Stops docker save (by its pid) if it still runs. */
  stop(): void;
}

export function startDockerSave(reference: ImageReference): DockerSave {
  const child = spawn('docker', ['save', reference.input], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? dockerMissing() : error),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = stderr.trim() === '' ? `docker save ended with ${code ?? signal}` : stderr;
      reject(dockerFailed('save', reference, why));
    });
  });
  // Callers await `done` only on the success path; a failure elsewhere must not become unhandled.
  done.catch(() => {});
  return {
    stdout: child.stdout,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
