// The demo dev server's shell (pure): the command lines tunnel sends over `exec` (argv encoded by the SSH
// layer's remoteCommand) → k3d's answers from the demo world. Enough for what `tunnel connect` runs: `command -v k3d`, k3d
// (maybe through `env LOG_LEVEL=info`) version / cluster list -o json / kubeconfig get. Anything else: exit 127 (the link check is an SSH keepalive
// request, never a command).
import { decodeRemoteCommand } from '../ssh/exec.js';
import { clusterListJson, type DemoCluster, kubeconfigText, versionText } from './world.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export const DEMO_K3D_PATH = '/usr/local/bin/k3d';

/** POSIX sh word splitting for quoted words: '…' literal, "…" with \\ escapes, \\x outside quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === "'") {
      const end = line.indexOf("'", index + 1);
      const stop = end === -1 ? line.length : end;
      word = (word ?? '') + line.slice(index + 1, stop);
      index = stop;
    } else if (char === '"') {
      word ??= '';
      for (index++; index < line.length && line[index] !== '"'; index++) {
        const next = line[index + 1];
        if (line[index] === '\\' && next !== undefined && '"\\$`'.includes(next)) index++;
        word += line[index];
      }
    } else if (char === '\\' && index + 1 < line.length) {
      word = (word ?? '') + line[++index];
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
const fatal = (message: string): CommandResult => ({
  stdout: '',
  stderr: `\x1b[31mFATA\x1b[0m[0000] ${message}\n`,
  code: 1,
});
const notFound = (word: string): CommandResult => ({
  stdout: '',
  stderr: `sh: 1: ${word}: not found\n`,
  code: 127,
});

function k3d(args: string[], cluster: DemoCluster): CommandResult {
  const [verb, sub, ...rest] = args;
  if (verb === 'version' || verb === '--version') return ok(versionText());
  if (verb === 'cluster' && (sub === 'list' || sub === 'get')) {
    const names = rest.filter((word) => !word.startsWith('-') && word !== 'json');
    if (names.some((name) => name !== cluster.name)) return fatal('No nodes found for given cluster');
    return ok(clusterListJson(cluster));
  }
  if (verb === 'kubeconfig' && sub === 'get') {
    const text = rest[0] === cluster.name ? kubeconfigText(cluster) : undefined;
    return text ? ok(text) : fatal('No nodes found for given cluster');
  }
  return fatal(`'k3d ${args.join(' ')}' is not part of the demo`);
}

/** One exec request's command line → what the demo dev server answers. */
export function runDemoCommand(commandLine: string, cluster: DemoCluster): CommandResult {
  // tunnel's own shape (`exec /bin/sh -c '…'`, see remoteCommand) carries the argv; else a plain line.
  const words = decodeRemoteCommand(commandLine) ?? splitWords(commandLine);
  const [program, flag, script] = words;
  const shell = program === 'sh' || program === 'bash' || program === '/bin/sh';
  if (shell && (flag === '-c' || flag === '-lc') && script !== undefined) {
    return runDemoCommand(script, cluster);
  }
  if (program === 'command' && flag === '-v') {
    return words[2] === 'k3d' ? ok(`${DEMO_K3D_PATH}\n`) : { stdout: '', stderr: '', code: 1 };
  }
  if (program === 'k3d' || program === DEMO_K3D_PATH) return k3d(words.slice(1), cluster);
  // `env NAME=value … program args` as env(1) runs it: tunnel pins k3d's LOG_LEVEL this way.
  if (program === 'env' || program === '/usr/bin/env') return runEnv(words.slice(1), cluster);
  return notFound(program ?? '');
}

function runEnv(words: string[], cluster: DemoCluster): CommandResult {
  const start = words.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  if (start === -1) return ok('');
  const [program, ...args] = words.slice(start);
  if (program === 'k3d' || program === DEMO_K3D_PATH) return k3d(args, cluster);
  return { stdout: '', stderr: `env: '${program}': No such file or directory\n`, code: 127 };
}
