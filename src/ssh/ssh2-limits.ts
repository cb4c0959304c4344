// STUB (wiring helper): the "algos" helper writes the real ssh2Limits; this placeholder only keeps
// devserver/connect.ts compiling until the merge, and must be replaced by algos' version.
import type { SshTarget } from './types.js';

/** The reasons ssh2 cannot serve this host (read from ssh -G and the files it names); [] = ssh2 can. */
export async function ssh2Limits(_target: SshTarget): Promise<string[]> {
  return [];
}
