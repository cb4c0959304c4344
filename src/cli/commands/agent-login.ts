// `tunnel agent install | uninstall`: start the agent at login (launchd on macOS, systemd --user on Linux).
// The work is done in agent/login-item; this file gives it the real process (node, uid, a command runner)
// and prints what was written and run.
import { execFile } from 'node:child_process';
import type { Command } from 'commander';
import {
  AGENT_BIN_PATH,
  type CommandResult,
  installLoginItem,
  type LoginItemInput,
  type LoginItemResult,
  type LoginItemStatus,
  loginItemStatus,
  uninstallLoginItem,
} from '../../agent/login-item.js';
import { loginItemPaths } from '../../config/login-item-paths.js';

// A wedged user bus can leave systemctl waiting; the CLI should fail with a message, not hang.
const COMMAND_TIMEOUT_MS = 30_000;

function runCommand(command: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ code: 0, stdout, stderr });
      } else if (error.code === 'ENOENT') {
        // Reported the way a shell would, so login-item can tell "no systemd here" from "systemd said no".
        resolve({ code: 127, stdout: '', stderr: `${command}: command not found` });
      } else {
        const code = typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr: stderr || error.message });
      }
    });
  });
}

function loginItemInput(): LoginItemInput {
  return {
    platform: process.platform,
    paths: loginItemPaths(),
    nodePath: process.execPath,
    binPath: AGENT_BIN_PATH,
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    run: runCommand,
  };
}

/** For `tunnel agent status`: whether the agent starts at login; undefined where that is not supported. */
export function describeLoginItem(): LoginItemStatus | undefined {
  return loginItemStatus(loginItemInput());
}

function print(first: string, result: LoginItemResult): void {
  const notes = result.notes.map((note) => `note: ${note}\n`).join('');
  process.stdout.write(`${first}\n${notes}`);
}

export function addLoginItemCommands(agent: Command): void {
  agent
    .command('install')
    .description(
      'start the agent at login (launchd on macOS, systemd --user on Linux); restarts it after a crash',
    )
    .action(async () => {
      const result = await installLoginItem(loginItemInput());
      print(`installed: ${result.file} (${result.command})`, result);
    });
  agent
    .command('uninstall')
    .description('stop starting the agent at login, and stop the one the service manager runs')
    .action(async () => {
      const result = await uninstallLoginItem(loginItemInput());
      if (!result.changed) print(`not installed: ${result.file} does not exist`, result);
      else print(`uninstalled: removed ${result.file} (${result.command})`, result);
    });
}
