#!/usr/bin/env node
// `npm test` runs vitest through this: vitest's colours (tinyrainbow) stay on even into a pipe or a CI log,
// where they arrive as escape codes. Colour only on a terminal outside CI (FORCE_COLOR still forces it).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The environment vitest runs with: NO_COLOR added unless colour was asked for and can be seen. */
export function vitestEnv(stdoutIsTTY, env) {
  if ('FORCE_COLOR' in env || 'NO_COLOR' in env) return { ...env };
  const plain = stdoutIsTTY !== true || 'CI' in env || env.TERM === 'dumb';
  return plain ? { ...env, NO_COLOR: '1' } : { ...env };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: vitestEnv(process.stdout.isTTY, process.env),
  });
  // Ctrl-C reaches vitest through the terminal's process group (this process only waits for it); a
  // SIGTERM sent to this process alone is passed on, so vitest stops the processes its tests started.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
}
