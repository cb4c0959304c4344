// The image's trip to the dev server: a private temporary file there (mktemp under /tmp), `docker save`
// streamed into `cat > <file>` through the SSH channel with backpressure (the tar is never held in
// memory), and the file's removal. The remote script is a constant; the file name is its "$1".
import { Transform } from 'node:stream';
import { TunnelError } from '../errors.js';
import { summarizeK3dError } from '../remote/k3d-log.js';
import type { ExecResult, SshConnection } from '../ssh/types.js';
import { startDockerSave } from './local-docker.js';
import type { ImageReference } from './reference.js';

export const REMOTE_FILE_TEMPLATE = '/tmp/tunnel-image-XXXXXXXXXX';
const MKTEMP_OUTPUT = /^\/tmp\/tunnel-image-[A-Za-z0-9._-]{6,}$/;
const QUICK_TIMEOUT_MS = 30_000;

export async function makeRemoteFile(conn: SshConnection): Promise<string> {
  // No abort signal: once mktemp ran, its name must reach us, or the file could not be removed.
  const result = await conn.exec(['mktemp', REMOTE_FILE_TEMPLATE], { timeoutMs: QUICK_TIMEOUT_MS });
  const file = result.stdout.trim();
  if (result.code === 0 && MKTEMP_OUTPUT.test(file)) return file;
  const host = conn.target.alias;
  throw new TunnelError('IMAGE', `Could not create a temporary file in /tmp on ${host}: ${why(result)}`, {
    hint: `Check that /tmp on the dev server is writable and not full: ssh ${host} 'df -h /tmp'`,
  });
}

/** Removes the file; returns what went wrong instead of throwing (cleanup must not hide the real error). */
export async function removeRemoteFile(conn: SshConnection, file: string): Promise<string | undefined> {
  try {
    const result = await conn.exec(['rm', '-f', file], { timeoutMs: QUICK_TIMEOUT_MS });
    return result.code === 0 ? undefined : why(result);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export interface UploadOptions {
  signal: AbortSignal;
  /** Save only this variant of a multi-platform image (platform-check.ts); undefined: the image as is. */
  platform?: string;
  /** Bytes sent so far, after each chunk. */
  onProgress: (bytes: number) => void;
}

/**
 * `docker save <image>` here → `cat > <file>` there. Resolves with the byte count once both ended well;
 * on any failure (docker save, the remote write, the signal) docker save is stopped.
 */
export async function uploadImage(
  conn: SshConnection,
  file: string,
  reference: ImageReference,
  options: UploadOptions,
): Promise<number> {
  const save = await startDockerSave(reference, options.platform);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      options.onProgress(bytes);
      callback(null, chunk);
    },
  });
  save.stdout.pipe(counter);
  try {
    const result = await conn.exec(['sh', '-c', 'cat > "$1"', 'sh', file], {
      stdin: counter,
      signal: options.signal,
    });
    if (result.code !== 0) throw writeFailed(conn, file, result);
    // The channel saw EOF; docker save's exit status says whether that was the whole image.
    await save.done;
    return bytes;
  } finally {
    save.stop();
    save.stdout.unpipe(counter);
    counter.destroy();
  }
}

function writeFailed(conn: SshConnection, file: string, result: ExecResult): TunnelError {
  const host = conn.target.alias;
  return new TunnelError('IMAGE', `Could not write the image to ${file} on ${host}: ${why(result)}`, {
    hint: `Is /tmp on the dev server full? Check with: ssh ${host} 'df -h /tmp'`,
  });
}

function why(result: ExecResult): string {
  const text = summarizeK3dError(result.stderr);
  if (result.code === null) return `${text || 'killed'} (${result.signal ?? 'no exit status'})`;
  return text === '' ? `exit ${result.code}` : text;
}
