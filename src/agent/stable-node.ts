// Which node path the login item records. `process.execPath` is the resolved binary, and under Homebrew
// that is a versioned keg (/opt/homebrew/Cellar/node/23.3.0/bin/node) which `brew upgrade node` replaces
// and its automatic cleanup deletes: launchd/systemd would then fail at every login. Homebrew keeps two
// links that follow upgrades: `<prefix>/opt/<formula>` (always the installed keg of that formula, linked
// or keg-only like node@20) and `<prefix>/bin/node` (only the formula linked into the prefix). Pure: the
// file system is reached only through the injected `realpath`.
import fs from 'node:fs';

export interface NodePathPorts {
  /** fs.realpathSync: resolves every symlink; throws when the path does not exist. */
  realpath(file: string): string;
}

export interface StableNodePath {
  /** What the login item should run. */
  path: string;
  /** Why it differs from execPath, for the install output; undefined when it is execPath. */
  reason: string | undefined;
}

// <prefix>/Cellar/<formula>/<version>/bin/node: /opt/homebrew (Apple Silicon), /usr/local (Intel),
// /home/linuxbrew/.linuxbrew or ~/.linuxbrew (Linux). The formula may be versioned (node@20).
const CELLAR_NODE = /^(?<prefix>\/.+)\/Cellar\/(?<formula>[^/]+)\/(?<version>[^/]+)\/bin\/node$/;

function sameBinary(candidate: string, resolved: string, ports: NodePathPorts): boolean {
  try {
    return ports.realpath(candidate) === resolved;
  } catch {
    // Not there (formula not linked, a different layout): not a link we can rely on.
    return false;
  }
}

/**
 * The path of the same node binary that survives an upgrade of its package, or execPath itself.
 * Only Homebrew's Cellar is rewritten: nvm, fnm, asdf and Volta keep each version in its own
 * directory until the user removes it, and their shims pick a version by the working directory and
 * shell state that a login item does not have (see docs/agent.md).
 */
export function stableNodePath(
  execPath: string,
  ports: NodePathPorts = { realpath: fs.realpathSync },
): StableNodePath {
  const match = CELLAR_NODE.exec(execPath);
  if (!match?.groups) return { path: execPath, reason: undefined };
  const { prefix, formula } = match.groups as { prefix: string; formula: string };
  let resolved: string;
  try {
    resolved = ports.realpath(execPath);
  } catch {
    return { path: execPath, reason: undefined };
  }
  // The opt link first: it keeps the user's formula (node@20 stays 20) whether or not it is linked.
  const candidates = [`${prefix}/opt/${formula}/bin/node`, `${prefix}/bin/node`];
  const stable = candidates.find((candidate) => sameBinary(candidate, resolved, ports));
  if (!stable) return { path: execPath, reason: undefined };
  return {
    path: stable,
    reason: `${execPath} is Homebrew's versioned copy, which \`brew upgrade\` removes; recorded ${stable}, which follows upgrades`,
  };
}
