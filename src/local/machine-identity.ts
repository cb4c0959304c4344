// This machine's kernel boot and network namespace (plan/machine-identity.ts), read by the same script
// the dev server runs, through /bin/sh: one way to read both ends, so they compare like for like.
import {
  MACHINE_IDENTITY_SCRIPT,
  type MachineIdentity,
  parseMachineIdentity,
} from '../plan/machine-identity.js';
import { runProcess } from '../process/run.js';

export type RunShell = (script: string) => Promise<string>;

const runShell: RunShell = async (script) =>
  (await runProcess({ file: '/bin/sh', args: ['-c', script], timeoutMs: 5000, maxBufferChars: 4096 })).stdout;

/** undefined when the script printed nothing usable (then the caller keeps the self-forward guard). */
export async function localMachineIdentity(run: RunShell = runShell): Promise<MachineIdentity | undefined> {
  return parseMachineIdentity(await run(MACHINE_IDENTITY_SCRIPT));
}
