// `tunnel agent install | uninstall`: start the agent at login (launchd on macOS, systemd --user on Linux).
// The work is done in agent/login-item; this file gives it the real process (node, uid, a command runner)
// and prints what was written and run. The service-manager runner is agent/login-item-command.ts.
import type { Command } from 'commander';
import {
  AGENT_BIN_PATH,
  installLoginItem,
  type LoginItemInput,
  type LoginItemResult,
  uninstallLoginItem,
} from '../../agent/login-item.js';
import { runServiceCommand } from '../../agent/login-item-command.js';
import { type LoginItemHealth, loginItemHealth } from '../../agent/login-item-health.js';
import { stableNodePath } from '../../agent/stable-node.js';
import { loginItemPaths } from '../../config/login-item-paths.js';

function loginItemInput(nodePath = process.execPath): LoginItemInput {
  return {
    platform: process.platform,
    paths: loginItemPaths(),
    nodePath,
    binPath: AGENT_BIN_PATH,
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    run: runServiceCommand,
  };
}

/**
 * For `tunnel agent status` and `tunnel doctor`: whether the agent would start at the next login (the
 * programs it names exist; launchd has it loaded and switched on); undefined where that is not supported.
 */
export function describeLoginItem(): Promise<LoginItemHealth | undefined> {
  return loginItemHealth(loginItemInput());
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
      const node = stableNodePath(process.execPath);
      const result = await installLoginItem(loginItemInput(node.path));
      if (node.reason) result.notes.unshift(node.reason);
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
