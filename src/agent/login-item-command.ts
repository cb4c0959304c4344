// The real runner behind login-item.ts's injected `run`: launchctl and systemctl through the process
// module, answered in CommandResult's shell-like words (127 = not found), so login-item can tell "no
// systemd here" from "systemd said no".
import { runProcess } from '../process/run.js';
import type { CommandResult } from './login-item.js';

// A wedged user bus can leave systemctl waiting; the CLI should fail with a message, not hang.
const COMMAND_TIMEOUT_MS = 30_000;

export async function runServiceCommand(command: string, args: string[]): Promise<CommandResult> {
  const result = await runProcess({ file: command, args, timeoutMs: COMMAND_TIMEOUT_MS });
  if (result.notFound) return { code: 127, stdout: '', stderr: `${command}: command not found` };
  const { stdout, stderr } = result;
  // No exit code (timed out, killed): null, with the process module's words naming the command.
  return {
    code: result.exitCode ?? null,
    stdout,
    stderr: result.failure === '' ? stderr : stderr || result.failure,
  };
}
