// bin/tunnel.js in a clone that was never built (or lost node_modules) says what to run, without a stack.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SHIM = path.join(import.meta.dirname, '../../../bin/tunnel.js');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of bin/tunnel.js in a temporary clone, with `dist` files as given. */
function cloneWith(dist: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bin-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'bin'));
  fs.copyFileSync(SHIM, path.join(root, 'bin/tunnel.js'));
  for (const [file, text] of Object.entries(dist)) {
    fs.mkdirSync(path.dirname(path.join(root, 'dist', file)), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', file), text);
  }
  return root;
}

const run = (root: string, command = 'status') =>
  spawnSync(process.execPath, [path.join(root, 'bin/tunnel.js'), command], { encoding: 'utf8' });

describe('bin/tunnel.js', () => {
  it('before a build: says to run npm run build, exit 1, no stack trace', () => {
    const result = run(cloneWith({}));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: tunnel is not built yet: dist/cli/main.js is missing\n' +
        '  hint: run npm run build in the tunnel directory (npm run demo and npm test install and build it for you)\n',
    );
  });

  it('with a dependency missing: says to run npm ci', () => {
    const result = run(cloneWith({ 'cli/main.js': "import 'commander';\nexport function main() {}\n" }));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: a dependency is missing: Cannot find package 'commander'/);
    expect(result.stderr).toContain('hint: run npm ci in the tunnel directory');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('with a half-built dist/: says to build again', () => {
    const result = run(cloneWith({ 'cli/main.js': "import './gone.js';\nexport function main() {}\n" }));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: the build in dist\/ is incomplete: /);
    expect(result.stderr).toContain('hint: run npm run build');
  });

  it('runs the built CLI', () => {
    const result = run(cloneWith({ 'cli/main.js': "export function main() { console.log('ran'); }\n" }));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('ran\n');
  });

  it('starts the agent for `__agent` without loading the CLI (whose modules would stay in its RSS)', () => {
    const root = cloneWith({
      'cli/main.js': "throw new Error('the CLI was loaded');\n",
      'agent/main.js': "export async function runAgent() { console.log('agent ran'); }\n",
    });
    const result = run(root, '__agent');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('agent ran\n');
    expect(result.status).toBe(0);
  });

  it('an agent that fails at start exits 1 and says why', () => {
    const root = cloneWith({
      'agent/main.js': "export async function runAgent() { throw new Error('no lock'); }\n",
    });
    const result = run(root, '__agent');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: the agent failed: Error: no lock/);
  });
});
