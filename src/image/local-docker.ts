// The docker CLI on this machine (the Mac): how big an image is, and `docker save` as a stream. Run
// through the process module, never through a shell; reference.ts checked the reference before here.
import type { Readable } from 'node:stream';
import { TunnelError } from '../errors.js';
import { runProcess } from '../process/run.js';
import { startProcess } from '../process/start.js';
import { parsePlatform, platformMatches } from './platform.js';
import type { ImageReference } from './reference.js';

const INSPECT_TIMEOUT_MS = 60_000;
const MAX_STDERR_CHARS = 64 * 1024;

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

export interface LocalImage {
  /** `.Size`: the progress bar's estimate (the saved tar is close to it, not equal); undefined if none. */
  estimatedBytes: number | undefined;
  /**
   * `.Os/.Architecture[/.Variant]`: the platform docker shows for the image (with the containerd image
   * store, the host's own variant of a multi-platform image first); undefined when docker printed none.
   */
  platform: string | undefined;
}

const PLATFORM_FORMAT = '{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}';

/** The image's size and platform, in one `docker image inspect`. */
export async function inspectLocalImage(reference: ImageReference): Promise<LocalImage> {
  const result = await runProcess({
    file: 'docker',
    args: ['image', 'inspect', '--format', `{{.Size}} ${PLATFORM_FORMAT}`, reference.input],
    timeoutMs: INSPECT_TIMEOUT_MS,
  });
  if (result.notFound) throw dockerMissing();
  if (result.exitCode !== 0) throw dockerFailed('image inspect', reference, result.stderr || result.failure);
  const [sizeText = '', platform = ''] = result.stdout.trim().split(' ');
  const size = Number(sizeText);
  return {
    estimatedBytes: Number.isSafeInteger(size) && size > 0 ? size : undefined,
    platform: /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/i.test(platform) ? platform : undefined,
  };
}

/**
 * Whether this machine's docker holds the image for `platform` (a multi-platform image in the containerd
 * store): `docker image inspect --platform` (API 1.49+, docker 28.1+) errors when the image has no such
 * variant, when the store is single-platform, or when this docker is older: all mean "no". A platform the
 * index lists but that was never pulled (`docker pull` fetches only the host's) exits 0 with empty
 * fields (moby's ImageInspect ignores the missing config), so the answer must name the platform itself.
 */
export async function localImageHasPlatform(
  reference: ImageReference,
  platform: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const result = await runProcess({
    file: 'docker',
    args: ['image', 'inspect', '--platform', platform, '--format', PLATFORM_FORMAT, reference.input],
    timeoutMs: INSPECT_TIMEOUT_MS,
    signal,
  });
  if (result.exitCode !== 0) return false;
  const got = parsePlatform(result.stdout.trim().split('\n').at(-1) ?? '');
  const wanted = parsePlatform(platform);
  return got !== undefined && wanted !== undefined && platformMatches(got, wanted);
}

export interface DockerSave {
  /** The tar stream; read it (pipe it) or docker save blocks. */
  stdout: Readable;
  /** Resolves when docker save exited 0; rejects with what docker said otherwise. */
  done: Promise<void>;
  /** Stops docker save (by its pid) if it still runs. */
  stop(): void;
}

/** platform: save only that variant of a multi-platform image (`docker save --platform`, API 1.48+). */
export async function startDockerSave(reference: ImageReference, platform?: string): Promise<DockerSave> {
  const save = await startProcess({
    file: 'docker',
    args: ['save', ...(platform === undefined ? [] : ['--platform', platform]), reference.input],
    stderrTailChars: MAX_STDERR_CHARS,
  });
  const done = save.exited.then((result) => {
    if (result.notFound) throw dockerMissing();
    if (result.exitCode === 0) return;
    throw dockerFailed('save', reference, result.stderr.trim() === '' ? result.failure : result.stderr);
  });
  // Callers await `done` only on the success path; a failure elsewhere must not become unhandled.
  done.catch(() => {});
  return { stdout: save.stdout, done, stop: save.stop };
}
