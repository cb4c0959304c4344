// The home directory of the simulated dev-server user: k3d and docker stand-ins in ~/.local/bin (a user-local
// install) and a Debian-style ~/.profile that adds it to PATH. So, as on real servers, a non-interactive
// `ssh devserver k3d` does not find k3d; a login shell (`bash -lc`) or the absolute path does.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const PROFILE = `# ~/.profile: executed by the command interpreter for login shells.

# set PATH so it includes user's private bin if it exists
if [ -d "$HOME/.local/bin" ] ; then
    PATH="$HOME/.local/bin:$PATH"
fi
`;

const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** Creates `<simHome>` with .local/bin/{k3d,docker}, .profile and .sim/. */
export function createSimHome(simHome: string): void {
  const bin = path.join(simHome, '.local', 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(path.join(simHome, '.sim'), { recursive: true, mode: 0o700 });
  for (const tool of ['k3d', 'docker']) {
    const script = path.join(HERE, `${tool}.mjs`);
    const wrapper = `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(script)} "$@"\n`;
    fs.writeFileSync(path.join(bin, tool), wrapper, { mode: 0o755 });
  }
  fs.writeFileSync(path.join(simHome, '.profile'), PROFILE);
}

/**
 * A dev server where k3d runs on Podman and there is no docker CLI: ~/.local/bin/docker is replaced by a
 * podman stand-in (podman.mjs).
 */
export function installPodmanOnly(simHome: string): void {
  const bin = path.join(simHome, '.local', 'bin');
  fs.rmSync(path.join(bin, 'docker'), { force: true });
  const script = path.join(HERE, 'podman.mjs');
  const wrapper = `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(script)} "$@"\n`;
  fs.writeFileSync(path.join(bin, 'podman'), wrapper, { mode: 0o755 });
}

/**
 * Session environment set by sshd (SetEnv). PATH leaves out /usr/local/bin so whatever this machine has
 * installed there (e.g. a real docker CLI without an engine) cannot shadow the simulated tools. With
 * `toolsOnPath`, the tools' directory is on the session PATH too (a host with k3d and docker installed
 * system-wide, where only variables such as DOCKER_HOST come from ~/.profile).
 */
export function sessionEnv(simHome: string, options: { toolsOnPath?: boolean } = {}): Record<string, string> {
  const bin = options.toolsOnPath ? `${path.join(simHome, '.local', 'bin')}:` : '';
  return { HOME: simHome, PATH: `${bin}/usr/bin:/bin` };
}
