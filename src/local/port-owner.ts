// Who holds a TCP port on this machine: `ss -ltnpH` on Linux, `lsof +c 0 -nP -iTCP:<port> -sTCP:LISTEN` on
// macOS, then the owner's command line, so a message can say "kubectl port-forward (pid 4242)" or "an ssh
// -L tunnel" instead of "in use". Used by `tunnel cluster create` (and meant for `tunnel doctor`). Best
// effort: a process of another user is invisible without root, and a missing tool gives undefined.
import fs from 'node:fs';
import path from 'node:path';
import { parseLsofListeners, parseSsListeners, type SocketListener } from '../plan/socket-table.js';
import { runProcess } from '../process/run.js';

export type OwnerKind = 'kubectl-port-forward' | 'ssh-forward' | 'tunnel-agent' | 'other' | 'unknown';

export interface PortOwner {
  port: number;
  /** The address the holder listens on. */
  address: string | undefined;
  pid: number | undefined;
  /** The program name as ss/lsof report it (e.g. "kubectl", "ssh"). */
  name: string | undefined;
  /** The full command line when readable (never longer than 300 characters). */
  commandLine: string | undefined;
  kind: OwnerKind;
  /** For messages: "kubectl port-forward (pid 4242)", "an ssh -L tunnel (pid 77)", "nginx (pid 9)"… */
  description: string;
}

export interface PortOwnerOptions {
  platform?: NodeJS.Platform;
  /** Runs a command and gives its stdout ('' when it fails or is missing). Injected by tests. */
  run?: (command: string, args: readonly string[]) => Promise<string>;
  /** The command line of a pid, or undefined. Injected by tests. */
  commandLineOf?: (pid: number) => Promise<CommandLine | undefined>;
}

/**
 * A command line as its argv (Linux: /proc/<pid>/cmdline, NUL-separated, exact) or as one line (macOS:
 * `ps -o command=`, argv joined with spaces, so a word with a space in it cannot be told apart).
 */
export type CommandLine = string | readonly string[];

/** The process listening on TCP `port` here, or undefined when nothing visible listens on it. */
export async function findPortOwner(
  port: number,
  options: PortOwnerOptions = {},
): Promise<PortOwner | undefined> {
  const platform = options.platform ?? process.platform;
  const run = options.run ?? runQuietly;
  const listeners =
    platform === 'darwin'
      ? parseLsofListeners(await run('lsof', ['+c', '0', '-nP', `-iTCP:${port}`, '-sTCP:LISTEN']))
      : parseSsListeners(await run('ss', ['-ltnpH', `sport = :${port}`]));
  const listener = listeners.find((entry) => entry.port === port);
  return listener ? describeListener(listener, { ...options, platform, run }) : undefined;
}

/** The owner of a listener already read (lsof/ss), with its command line looked up. */
export async function describeListener(
  listener: SocketListener,
  options: PortOwnerOptions = {},
): Promise<PortOwner> {
  const platform = options.platform ?? process.platform;
  const run = options.run ?? runQuietly;
  const process_ = listener.processes[0];
  const commandLineOf = options.commandLineOf ?? ((pid: number) => readCommandLine(pid, platform, run));
  const commandLine = process_ ? await commandLineOf(process_.pid) : undefined;
  return describeOwner(listener, commandLine);
}

/** Pure: the owner of `listener` given its command line (see classifyCommandLine). */
export function describeOwner(listener: SocketListener, commandLine: CommandLine | undefined): PortOwner {
  const process_ = listener.processes[0];
  const kind = process_ ? classifyCommandLine(commandLine ?? process_.name) : 'unknown';
  const pid = process_ ? ` (pid ${process_.pid})` : '';
  const description = {
    'kubectl-port-forward': `kubectl port-forward${pid}`,
    'ssh-forward': `an ssh -L tunnel${pid}`,
    'tunnel-agent': `tunnel's own agent${pid}, forwarding it for a connected host`,
    other: `${process_?.name ?? 'a process'}${pid}`,
    unknown: "a process this user cannot see (another user's, or root's)",
  }[kind];
  return {
    port: listener.port,
    address: listener.address,
    pid: process_?.pid,
    name: process_?.name,
    commandLine: (typeof commandLine === 'string' ? commandLine : commandLine?.join(' '))?.slice(0, 300),
    kind,
    description,
  };
}

/** Pure: what kind of program a command line is. */
export function classifyCommandLine(commandLine: CommandLine): OwnerKind {
  if (isTunnelAgent(commandLine)) return 'tunnel-agent';
  // Another user's process can make its line up to ps's whole output: only its head names the program.
  const words =
    typeof commandLine === 'string' ? commandLine.slice(0, MAX_LINE).trim().split(/\s+/) : commandLine;
  const program = path.basename(words[0] ?? '');
  if ((program === 'kubectl' || program === 'oc') && words.includes('port-forward'))
    return 'kubectl-port-forward';
  if (program === 'ssh' || program === 'autossh') {
    // -L/-D alone or among other letter flags (-fNL), or -o LocalForward=…; never a -oKey=value word.
    const forwards = words.some(
      (word, index) =>
        /^-(?!o)[A-Za-z]*[LD]/.test(word) ||
        /^-o\s*(LocalForward|DynamicForward)/i.test(word) ||
        (word === '-o' && /^(LocalForward|DynamicForward)/i.test(words[index + 1] ?? '')),
    );
    return forwards ? 'ssh-forward' : 'other';
  }
  return program === '' ? 'unknown' : 'other';
}

const NODE = /^node(js)?$/;
const BIN = /^tunnel(\.js)?$/;
/**
 * The agent's line as ps prints it: `<node> [flags] <…/bin/tunnel.js> __agent`, where the node path
 * (fnm's "~/Library/Application Support/fnm/…/bin/node") or the bin path (a home directory with a space)
 * may hold spaces, so the line is matched by its known ends, never split into words. Each end is a
 * pattern without nested repetition (linear time), and a line longer than MAX_LINE is never the agent's
 * (two paths of at most PATH_MAX, 1024 on macOS, and a few flags): any process on this machine can make
 * its line whatever it likes, and this runs inside the agent while it assigns ports.
 */
const NODE_HEAD = /(?:^|\/)node(?:js)?\s/;
const AGENT_TAIL = /(?:^|[\s/])tunnel(?:\.js)?\s+__agent$/;
const MAX_LINE = 4096;

/** Whether a command line is tunnel's own agent (spawn.ts and the login item start it so). */
function isTunnelAgent(commandLine: CommandLine): boolean {
  if (typeof commandLine === 'string') {
    const line = commandLine.trim();
    if (line.length > MAX_LINE) return false;
    const head = NODE_HEAD.exec(line);
    const tail = AGENT_TAIL.exec(line);
    return head !== null && tail !== null && head.index < tail.index;
  }
  const [program = '', ...rest] = commandLine;
  return (
    NODE.test(path.basename(program)) &&
    rest.at(-1) === '__agent' &&
    BIN.test(path.basename(rest.at(-2) ?? ''))
  );
}

/** The next step for a user whose local port `port` is held by `owner`. */
export function portOwnerHint(
  owner: PortOwner | undefined,
  port: number,
  platform = process.platform,
): string {
  const look =
    platform === 'darwin' ? `lsof +c 0 -nP -iTCP:${port} -sTCP:LISTEN` : `ss -ltnp 'sport = :${port}'`;
  if (!owner || owner.pid === undefined)
    return `See what holds it: ${look} (as root to see every user's processes)`;
  if (owner.kind === 'tunnel-agent') return 'See which session forwards it: tunnel status';
  const macHolder = platform === 'darwin' ? macHolderHint(owner, port) : undefined;
  return macHolder ?? `Stop it if you no longer need it: kill ${owner.pid} (check first: ${look})`;
}

/** macOS programs that hold *:P for someone else and come back when killed: say what to turn off. */
function macHolderHint(owner: PortOwner, port: number): string | undefined {
  // Prefixes: with +c 0 lsof gives whole names (ControlCenter, com.docker.backend), an older call 9 characters.
  const name = owner.name ?? '';
  if (name.startsWith('ControlCe'))
    return 'AirPlay Receiver holds it: turn it off in System Settings → General → AirDrop & Handoff';
  if (name.startsWith('com.docke') || name.startsWith('OrbStack'))
    return `A container publishes it: docker ps --filter publish=${port} (stop it, or publish another port)`;
  return undefined;
}

export async function runQuietly(command: string, args: readonly string[]): Promise<string> {
  const result = await runProcess({ file: command, args, timeoutMs: 5000, maxBufferChars: 1024 * 1024 });
  // lsof exits 1 when nothing matches; a missing tool is notFound: either way there is nothing to read.
  return result.failure !== '' && result.stdout === '' ? '' : result.stdout;
}

async function readCommandLine(
  pid: number,
  platform: NodeJS.Platform,
  run: (command: string, args: readonly string[]) => Promise<string>,
): Promise<CommandLine | undefined> {
  if (platform === 'linux') {
    try {
      // NUL-separated argv: kept as words, so a path with a space stays one word.
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.at(-1) === '') argv.pop();
      if (argv.length > 0) return argv;
    } catch {
      // Gone, or another user's: fall through to ps.
    }
  }
  const text = (await run('ps', ['-ww', '-o', 'command=', '-p', String(pid)])).trim();
  return text === '' ? undefined : text;
}
