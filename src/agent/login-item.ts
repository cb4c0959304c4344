// The agent as a login item: a launchd agent (macOS) or a systemd user service (Linux) that runs
// `<node> bin/tunnel.js __agent` at login and restarts it after a crash, never after a clean stop.
// The renderers live in login-item-render.ts; whether an installed item still works, in
// login-item-health.ts. Install/uninstall write one file and talk to the service manager only through
// the injected `run`, so tests never touch the real launchctl or systemctl.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { atomicWrite } from '../atomic-file.js';
import {
  LAUNCHD_LABEL,
  type LoginItemPaths,
  type ServiceManager,
  SYSTEMD_UNIT_NAME,
} from '../config/login-item-paths.js';
import { TunnelError } from '../errors.js';
import { commandLine } from '../process/result.js';
import { type LoginItemSpec, launchdPlist, systemdUnit } from './login-item-render.js';
import { AGENT_NODE_FLAGS, agentEnvironment } from './node-flags.js';

export const AGENT_BIN_PATH = fileURLToPath(new URL('../../bin/tunnel.js', import.meta.url));

export { type LoginItemSpec, launchdPlist, systemdUnit };

export interface CommandResult {
  /** The exit code; 127 when the command does not exist (as a shell says), null when killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

export interface LoginItemInput {
  platform: NodeJS.Platform;
  /** From config/login-item-paths; undefined where no service manager is supported. */
  paths: LoginItemPaths | undefined;
  nodePath: string;
  binPath: string;
  /** launchd's GUI domain is per user: gui/<uid>. */
  uid: number;
  run: RunCommand;
  /** Waits between launchctl retries; injected so tests never sleep. */
  pause?: (ms: number) => Promise<void>;
}

export interface LoginItemResult {
  manager: ServiceManager;
  file: string;
  /** False only for an uninstall that found nothing to remove. */
  changed: boolean;
  /** The command that matters to the user (enable / bootstrap / disable / bootout), as typed in a shell. */
  command: string | undefined;
  /** Every service-manager command run, in order. */
  ran: string[];
  /** Things the user should know even though it worked. */
  notes: string[];
}

const LATER = '`tunnel connect` still starts the agent whenever it is needed.';

function requirePaths(input: Pick<LoginItemInput, 'platform' | 'paths'>): LoginItemPaths {
  if (input.paths) return input.paths;
  throw new TunnelError('AGENT', `starting the agent at login is not supported on ${input.platform}`, {
    hint: 'Only macOS (launchd) and Linux (systemd --user) are supported. ' + LATER,
  });
}

function firstLine(result: CommandResult): string {
  const line = `${result.stderr}\n${result.stdout}`.split('\n').find((text) => text.trim().length > 0);
  return line?.trim() ?? `exit code ${result.code}`;
}

interface Session {
  input: LoginItemInput;
  paths: LoginItemPaths;
  ran: string[];
  notes: string[];
}

async function exec(session: Session, command: string, args: string[]): Promise<CommandResult> {
  session.ran.push(commandLine(command, args));
  return session.input.run(command, args);
}

function managerError(what: string, command: string, result: CommandResult, hint: string): TunnelError {
  const why =
    result.code === 127
      ? `${command.split(' ')[0]} was not found`
      : `\`${command}\` failed: ${firstLine(result)}`;
  return new TunnelError('AGENT', `${what}, but ${why}`, { hint });
}

function systemdHint(result: CommandResult): string {
  if (result.code === 127)
    return `This system does not run systemd, so nothing starts the agent at login. ${LATER}`;
  return [
    'No systemd user session is reachable from this shell (common in containers, WSL, su and sudo shells).',
    `From a normal login session run: systemctl --user enable --now ${SYSTEMD_UNIT_NAME}`,
    'To keep it running while you are not logged in: loginctl enable-linger $USER',
    LATER,
  ].join('\n');
}

async function installSystemd(session: Session): Promise<string> {
  const what = `wrote ${session.paths.file}`;
  const reload = await exec(session, 'systemctl', ['--user', 'daemon-reload']);
  if (reload.code !== 0)
    throw managerError(what, 'systemctl --user daemon-reload', reload, systemdHint(reload));
  const args = ['--user', 'enable', '--now', SYSTEMD_UNIT_NAME];
  const enable = await exec(session, 'systemctl', args);
  const command = commandLine('systemctl', args);
  if (enable.code !== 0) throw managerError(what, command, enable, systemdHint(enable));
  // Services get the user manager's environment, not this shell's: without SSH_AUTH_SOCK there the agent
  // can use key files but not the user's ssh-agent.
  const shown = await exec(session, 'systemctl', ['--user', 'show-environment']);
  if (shown.code === 0 && !/^SSH_AUTH_SOCK=/m.test(shown.stdout)) {
    session.notes.push(
      'the systemd user manager has no SSH_AUTH_SOCK: the agent can use key files but not your ssh-agent ' +
        '(see "Start at login" in the README).',
    );
  }
  return command;
}

async function installLaunchd(session: Session): Promise<string> {
  const { input, paths } = session;
  const domain = `gui/${input.uid}`;
  const pause = input.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // launchd opens the log file itself and does not create its directory.
  await fsp.mkdir(paths.logsDir, { recursive: true, mode: 0o700 });
  // Unload the old job first (failure just means it was not loaded), so a second install reloads.
  const bootout = await exec(session, 'launchctl', ['bootout', `${domain}/${LAUNCHD_LABEL}`]);
  // Switched off in Login Items (macOS 13+), or `launchctl disable`d: bootstrap would fail with "119:
  // Service is disabled". Running install says the user wants it on; an enabled label is left as it is.
  await exec(session, 'launchctl', ['enable', `${domain}/${LAUNCHD_LABEL}`]);
  const args = ['bootstrap', domain, paths.file];
  let result = await exec(session, 'launchctl', args);
  // launchd finishes a bootout asynchronously; bootstrapping the same label meanwhile fails, so retry a bit.
  for (let attempt = 1; result.code !== 0 && bootout.code === 0 && attempt <= 3; attempt += 1) {
    await pause(500 * attempt);
    result = await exec(session, 'launchctl', args);
  }
  const command = commandLine('launchctl', args);
  if (result.code === 0) return command;
  throw managerError(
    `wrote ${paths.file}`,
    command,
    result,
    [
      'launchd could not load it now (e.g. over ssh with nobody logged in at the screen);' +
        ' it loads at your next login.',
      `To load it now from a desktop session: ${command}`,
      LATER,
    ].join('\n'),
  );
}

function newSession(input: LoginItemInput): Session {
  return { input, paths: requirePaths(input), ran: [], notes: [] };
}

/** Writes the plist/unit (again, if present) and (re)loads it. Throws with a hint if the manager refuses. */
export async function installLoginItem(input: LoginItemInput): Promise<LoginItemResult> {
  const session = newSession(input);
  const { paths } = session;
  const spec: LoginItemSpec = {
    programArguments: [input.nodePath, ...AGENT_NODE_FLAGS, input.binPath, '__agent'],
    environment: [...paths.agentEnv, ...(paths.manager === 'systemd' ? agentEnvironment('linux') : [])],
    logsDir: paths.logsDir,
  };
  await atomicWrite(paths.file, paths.manager === 'launchd' ? launchdPlist(spec) : systemdUnit(spec));
  const command = paths.manager === 'launchd' ? await installLaunchd(session) : await installSystemd(session);
  return {
    manager: paths.manager,
    file: paths.file,
    changed: true,
    command,
    ran: session.ran,
    notes: session.notes,
  };
}

async function uninstallSystemd(session: Session): Promise<string> {
  const { file } = session.paths;
  const args = ['--user', 'disable', '--now', SYSTEMD_UNIT_NAME];
  const disable = await exec(session, 'systemctl', args);
  await fsp.rm(file, { force: true });
  // What `disable` removes, in case it could not run: otherwise a dangling link is left behind.
  await fsp.rm(path.join(path.dirname(file), 'default.target.wants', SYSTEMD_UNIT_NAME), { force: true });
  const command = commandLine('systemctl', args);
  // No systemctl at all means nothing can be running under it: the file was all there was.
  if (disable.code === 127) return command;
  if (disable.code !== 0) {
    // The file is gone, so nothing starts at the next login: done, but an agent systemd started may live on.
    session.notes.push(
      `\`${command}\` failed (${firstLine(disable)}); if systemd started the agent it may still be ` +
        'running: tunnel agent stop',
    );
    return command;
  }
  await exec(session, 'systemctl', ['--user', 'daemon-reload']);
  return command;
}

async function uninstallLaunchd(session: Session): Promise<string> {
  const args = ['bootout', `gui/${session.input.uid}/${LAUNCHD_LABEL}`];
  // Failure means the job was not loaded (installed over ssh, no login since): nothing to stop.
  await exec(session, 'launchctl', args);
  await fsp.rm(session.paths.file, { force: true });
  return commandLine('launchctl', args);
}

/** Stops and removes the login item; not installed is not an error (changed: false). */
export async function uninstallLoginItem(input: LoginItemInput): Promise<LoginItemResult> {
  const session = newSession(input);
  const { paths } = session;
  const result = { manager: paths.manager, file: paths.file, ran: session.ran, notes: session.notes };
  if (!fs.existsSync(paths.file)) return { ...result, changed: false, command: undefined };
  const command =
    paths.manager === 'launchd' ? await uninstallLaunchd(session) : await uninstallSystemd(session);
  return { ...result, changed: true, command };
}
