// File access for kubeconfig writes: where a path really points, reading it if it is there, refusing a
// read-only file, and turning an fs error into a TunnelError that names the file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { TunnelError } from '../errors.js';
import { pasteWord } from '../shell-word.js';

export async function resolveTarget(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * kubectl cannot open a read-only kubeconfig for writing and says so; a rename would replace it with a
 * writable file, undoing what the user chose. Refused also for root, whom the mode would not stop.
 */
export async function refuseReadOnly(target: string): Promise<void> {
  let mode: number;
  try {
    mode = (await fs.stat(target)).mode & 0o777;
  } catch {
    return; // not there yet: created 0600
  }
  const canWrite = await fs.access(target, fs.constants.W_OK).then(
    () => true,
    () => false,
  );
  if ((mode & 0o200) !== 0 && canWrite) return;
  throw new TunnelError(
    'KUBECONFIG',
    `${target} is read-only (mode ${mode.toString(8).padStart(4, '0')}); tunnel left it unchanged, as kubectl would.`,
    {
      hint: `Make it writable (chmod u+w ${pasteWord(target, '<file>')}), or have tunnel write its own file: tunnel connect <host> --kubeconfig <file>`,
    },
  );
}

export async function guard<T>(action: string, file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TunnelError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TunnelError('KUBECONFIG', `Cannot ${action} ${file}: ${reason}`, {
      hint: 'Check the permissions of the file and its directory (ls -l), or point KUBECONFIG at another file.',
      cause: error,
    });
  }
}
