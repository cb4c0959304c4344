// `npm run demo` / `npm test` as the first command in a fresh clone: scripts/first-run.mjs installs what is
// missing and builds only what is stale. Real files in a temporary "clone"; npm itself is a recording fake.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstRun, installEnv, missingDependencies, staleBuild } from '../../../scripts/first-run.mjs';
import { vitestEnv } from '../../../scripts/vitest.mjs';

const REPO = path.join(import.meta.dirname, '../../..');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function write(root: string, file: string, text: string, mtimeSeconds: number): void {
  const full = path.join(root, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  fs.utimesSync(full, mtimeSeconds, mtimeSeconds);
}

/** A clone: package.json with two dependencies, two sources; `installed` packages and a build at `builtAt`. */
function clone(options: { installed: string[]; builtAt?: number; sourcesAt?: number }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-first-run-'));
  dirs.push(root);
  const manifest = { dependencies: { ssh2: '^1' }, devDependencies: { vitest: '^4' } };
  write(root, 'package.json', JSON.stringify(manifest), 1000);
  write(root, 'tsconfig.json', '{}', 1000);
  const sourcesAt = options.sourcesAt ?? 2000;
  write(root, 'src/cli/main.ts', 'export {};', sourcesAt);
  write(root, 'src/log.ts', 'export {};', sourcesAt);
  for (const name of options.installed) write(root, `node_modules/${name}/package.json`, '{}', 1000);
  if (options.builtAt !== undefined) {
    write(root, 'dist/cli/main.js', '', options.builtAt);
    write(root, 'dist/log.js', '', options.builtAt);
  }
  return root;
}

function recorder() {
  const calls: { args: string[]; env: NodeJS.ProcessEnv }[] = [];
  const lines: string[] = [];
  const run = (args: string[], env: NodeJS.ProcessEnv) => {
    calls.push({ args, env });
    return 0;
  };
  return { calls, lines, run, log: (line: string) => lines.push(line) };
}

describe('first run', () => {
  it('installs the dependencies when node_modules is missing, building ssh2 against local node headers', () => {
    const root = clone({ installed: [] });
    expect(missingDependencies(root)).toEqual(['ssh2', 'vitest']);
    const npm = recorder();
    expect(firstRun({ root, run: npm.run, log: npm.log, headers: '/usr' })).toBe(0);
    expect(npm.calls.map((call) => call.args)).toEqual([
      ['ci', '--no-audit', '--no-fund'],
      ['run', 'build'],
    ]);
    expect(npm.calls[0]!.env.npm_config_nodedir).toBe('/usr');
    expect(npm.lines[0]).toMatch(/^first run: installing dependencies \(npm ci/);
    // The fake npm built no ssh2 binding: the user hears about it once.
    expect(npm.lines[1]).toMatch(/^note: ssh2's native crypto binding was not built/);
  });

  it('says nothing about the binding when npm built it', () => {
    const root = clone({ installed: [] });
    const npm = recorder();
    const run = (args: string[], env: NodeJS.ProcessEnv) => {
      if (args[0] === 'ci')
        write(root, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', '', 1);
      return npm.run(args, env);
    };
    expect(firstRun({ root, run, log: npm.log, headers: '/usr' })).toBe(0);
    expect(npm.lines.join('\n')).not.toContain('note:');
  });

  it('keeps a nodedir the user chose, and sets none when this node has no headers', () => {
    expect(installEnv({ npm_config_nodedir: '/opt/node' }, '/usr').npm_config_nodedir).toBe('/opt/node');
    expect(installEnv({}, undefined)).not.toHaveProperty('npm_config_nodedir');
  });

  it('does not rebuild when dist/ is newer than every source (npm run demo a second time)', () => {
    const root = clone({ installed: ['ssh2', 'vitest'], builtAt: 3000 });
    expect(staleBuild(root)).toBeUndefined();
    const npm = recorder();
    expect(firstRun({ root, run: npm.run, log: npm.log })).toBe(0);
    expect(npm.calls).toEqual([]);
    expect(npm.lines).toEqual(['build: dist/ is up to date']);
  });

  it('rebuilds when a source changed after the build, a compiled file is missing, or a tsconfig changed', () => {
    const edited = clone({ installed: ['ssh2', 'vitest'], builtAt: 3000 });
    fs.utimesSync(path.join(edited, 'src/log.ts'), 4000, 4000);
    expect(staleBuild(edited)).toBe(`${path.join('src', 'log.ts')} changed`);

    const fresh = clone({ installed: ['ssh2', 'vitest'] });
    expect(staleBuild(fresh)).toMatch(/dist.cli.main\.js is missing|dist.log\.js is missing/);

    const config = clone({ installed: ['ssh2', 'vitest'], builtAt: 3000 });
    fs.utimesSync(path.join(config, 'tsconfig.json'), 5000, 5000);
    expect(staleBuild(config)).toBe('a tsconfig file changed');

    const npm = recorder();
    expect(firstRun({ root: edited, run: npm.run, log: npm.log })).toBe(0);
    expect(npm.calls.map((call) => call.args)).toEqual([['run', 'build']]);
  });

  it('stops at a failed install, without building', () => {
    const root = clone({ installed: [] });
    const calls: string[][] = [];
    const status = firstRun({
      root,
      run: (args) => {
        calls.push(args);
        return 1;
      },
      log: () => {},
      headers: undefined,
    });
    expect(status).toBe(1);
    expect(calls).toEqual([['ci', '--no-audit', '--no-fund']]);
  });

  it('is what npm run demo and npm test run first', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts;
    expect(scripts.predemo).toBe('node scripts/first-run.mjs');
    expect(scripts.pretest).toBe('node scripts/first-run.mjs');
    expect(scripts.test).toBe('node scripts/vitest.mjs run');
  });
});

describe('the test log', () => {
  it('has no colour codes outside a terminal or with CI set; a terminal keeps them; FORCE_COLOR wins', () => {
    expect(vitestEnv(undefined, {}).NO_COLOR).toBe('1');
    expect(vitestEnv(true, { CI: 'true' }).NO_COLOR).toBe('1');
    expect(vitestEnv(true, {})).not.toHaveProperty('NO_COLOR');
    expect(vitestEnv(false, { FORCE_COLOR: '1' })).not.toHaveProperty('NO_COLOR');
  });

  it('really is plain when vitest writes into a pipe', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(REPO, 'scripts/vitest.mjs'), 'run', 'test/unit/redact.test.ts'],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined } },
    );
    // Not the exit status: the nested run's /tmp guard may see other runs' files on a shared machine.
    expect(result.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(result.stdout + result.stderr).not.toMatch(/\u001b\[/);
  });
});
