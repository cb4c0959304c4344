// vitest globalSetup: tests leave nothing in the temporary directory. An entry named like ours that
// appeared during the run and is still there at the end is named, and fails the run under CI (a leaked sshd
// host key directory used to stay behind on every run). Elsewhere it is a warning: on a shared machine
// another test run may own it.
import fs from 'node:fs';
import os from 'node:os';

/** The prefixes our tests and the simulator give their temporary files and directories. */
const OURS = /^(tunnel-|sim-pki-|login-item-)/;
// The agent's own fallback socket directory (`/tmp/tunnel-<uid>`) is per user and kept, like tmux's.
const KEPT = /^tunnel-\d+$/;

export function leftBehind(before: ReadonlySet<string>, after: readonly string[]): string[] {
  return after.filter((name) => !before.has(name) && OURS.test(name) && !KEPT.test(name)).sort();
}

export default function setup(): () => void {
  const dir = os.tmpdir();
  const before = new Set(fs.readdirSync(dir));
  return () => {
    const left = leftBehind(before, fs.readdirSync(dir));
    if (left.length === 0) return;
    const ci = 'CI' in process.env;
    // vitest ignores an error thrown here (exit code 0): say it, and fail the run through the exit code.
    process.stderr.write(
      `\n${ci ? 'FAIL' : 'WARNING'} the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in ${dir}: ${left.join(', ')}\n` +
        '     each suite removes what it creates, in afterAll/afterEach, even when a step fails' +
        (ci ? '\n' : ' (not CI: another test run on this machine may own them)\n'),
    );
    if (ci) process.exitCode = 1;
  };
}
