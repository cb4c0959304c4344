#!/usr/bin/env node
// Run before `npm run demo` and `npm test` (predemo/pretest), so each works as the first command in a fresh
// clone: installs the dependencies when they are missing (npm ci, with ssh2's native crypto binding built
// against this node's headers), then builds dist/ unless it is already newer than every source file.
// Plain node, no dependencies: it runs before there are any.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Changing one of these changes what tsc emits for every file.
const BUILD_CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/** The dependencies package.json names that node_modules does not hold (all of them in a fresh clone). */
export function missingDependencies(root) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  return names.filter((name) => !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

const mtime = (file) => fs.statSync(file).mtimeMs;

/**
 * Why dist/ must be rebuilt, or undefined when it is current: every src/**.ts has its dist/**.js, written
 * after the source and after the tsconfig files were last changed.
 */
export function staleBuild(root) {
  const src = path.join(root, 'src');
  const configs = BUILD_CONFIGS.map((name) => path.join(root, name)).filter((file) => fs.existsSync(file));
  const newestConfig = Math.max(0, ...configs.map(mtime));
  for (const source of filesUnder(src)) {
    if (!source.endsWith('.ts') || source.endsWith('.d.ts')) continue;
    const output = path.join(root, 'dist', path.relative(src, source)).replace(/\.ts$/, '.js');
    if (!fs.existsSync(output)) return `${path.relative(root, output)} is missing`;
    const built = mtime(output);
    if (built < mtime(source)) return `${path.relative(root, source)} changed`;
    if (built < newestConfig) return 'a tsconfig file changed';
  }
  return undefined;
}

const SSH2_BINDING = 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node';

/** npm's environment for `npm ci`: node-gyp builds ssh2's binding against the local headers when present. */
export function installEnv(env, nodeHeadersDir) {
  if (env.npm_config_nodedir || nodeHeadersDir === undefined) return { ...env };
  return { ...env, npm_config_nodedir: nodeHeadersDir };
}

/** Where this node's headers are (Debian's nodejs package puts node.h under /usr/include/node). */
function localNodeHeaders() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return [prefix, '/usr'].find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node.h')));
}

/** Runs npm the way npm ran us (npm_execpath), else the npm on PATH. */
function runNpm(args, env, root) {
  const npmCli = process.env.npm_execpath;
  const [command, argv] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  const result = spawnSync(command, argv, { cwd: root, env, stdio: 'inherit' });
  return result.status ?? 1;
}

/** The steps, with their effects injected (tests pass their own `run` and `log`). */
export function firstRun({
  root = ROOT,
  run = runNpm,
  log = console.log,
  headers = localNodeHeaders(),
} = {}) {
  const missing = missingDependencies(root);
  if (missing.length > 0) {
    log(`first run: installing dependencies (npm ci; ${missing.length} missing, e.g. ${missing[0]})`);
    const status = run(['ci', '--no-audit', '--no-fund'], installEnv(process.env, headers), root);
    if (status !== 0) return status;
    // ssh2 carries on without its binding when the build fails: say so once, here, not as a mystery later.
    if (!fs.existsSync(path.join(root, SSH2_BINDING))) {
      log(
        "note: ssh2's native crypto binding was not built (needs make and a C++ compiler, and Node's headers);" +
          ' tunnel works, with slower pure-JavaScript ciphers',
      );
    }
  }
  const why = staleBuild(root);
  if (why === undefined) {
    log('build: dist/ is up to date');
    return 0;
  }
  log(`build: ${why}; running npm run build`);
  return run(['run', 'build'], process.env, root);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = firstRun();
}
