// Where the login item lives (launchd plist on macOS, systemd user unit on Linux) and the environment the
// agent started at login is given. Read from HOME / XDG_CONFIG_HOME / PATH / TUNNEL_HOME here, because
// config/ is the only place that reads the environment. Never carries secrets (SSH_AUTH_SOCK stays out).
import os from 'node:os';
import path from 'node:path';
import { tunnelPaths } from './paths.js';

export const LAUNCHD_LABEL = 'dev.tunnel.agent';
export const SYSTEMD_UNIT_NAME = 'tunnel-agent.service';

export type ServiceManager = 'launchd' | 'systemd';

export interface LoginItemPaths {
  manager: ServiceManager;
  /** The plist (macOS) or the unit file (Linux). */
  file: string;
  /** Where launchd sends the agent's stdout/stderr (systemd sends them to the journal). */
  logsDir: string;
  /** PATH first, then TUNNEL_HOME when set: what the agent needs that a login session may not give it. */
  agentEnv: Array<[string, string]>;
}

// A service manager starts jobs with a bare PATH (launchd: /usr/bin:/bin:/usr/sbin:/sbin), which may miss
// the ssh the user actually runs (Homebrew, Nix); so the installing shell's PATH is kept. Relative
// entries would resolve against the job's working directory, so they are dropped.
function agentSearchPath(env: NodeJS.ProcessEnv): string {
  const entries = (env.PATH ?? '').split(path.delimiter).filter((entry) => path.isAbsolute(entry));
  const unique = [...new Set(entries)];
  return unique.length > 0 ? unique.join(path.delimiter) : '/usr/local/bin:/usr/bin:/bin';
}

function loginItemFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const home = env.HOME || os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  if (platform !== 'linux') return undefined;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored; systemd does the same.
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(configHome, 'systemd', 'user', SYSTEMD_UNIT_NAME);
}

/** The login item's paths on this platform; undefined where there is no supported service manager. */
export function loginItemPaths(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): LoginItemPaths | undefined {
  const file = loginItemFile(env, platform);
  if (!file) return undefined;
  const agentEnv: Array<[string, string]> = [['PATH', agentSearchPath(env)]];
  // Absolute, because the job's working directory is not the installing shell's.
  if (env.TUNNEL_HOME) agentEnv.push(['TUNNEL_HOME', path.resolve(env.TUNNEL_HOME)]);
  return {
    manager: platform === 'darwin' ? 'launchd' : 'systemd',
    file,
    logsDir: tunnelPaths(env, platform).logsDir,
    agentEnv,
  };
}
