// Every file path the tool writes or reads of its own lives here, below one state directory:
// TUNNEL_HOME when set (tests use it), else the platform's convention. Nothing else reads env for paths.
import os from 'node:os';
import path from 'node:path';

export interface TunnelPaths {
  home: string;
  sessionsDir: string;
  logsDir: string;
  settingsDir: string;
}

export function stateHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.TUNNEL_HOME) return path.resolve(env.TUNNEL_HOME);
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'tunnel');
  const xdg = env.XDG_STATE_HOME ?? path.join(home, '.local', 'state');
  return path.join(xdg, 'tunnel');
}

export function tunnelPaths(env: NodeJS.ProcessEnv = process.env, platform = process.platform): TunnelPaths {
  const home = stateHome(env, platform);
  return {
    home,
    sessionsDir: path.join(home, 'sessions'),
    logsDir: path.join(home, 'logs'),
    settingsDir: path.join(home, 'settings'),
  };
}

/** The kubeconfig file we merge into: the first entry of KUBECONFIG, else ~/.kube/config (as kubectl does). */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((entry) => entry.length > 0);
  if (list[0]) return path.resolve(list[0]);
  return path.join(env.HOME ?? os.homedir(), '.kube', 'config');
}
