// `tunnel logs [host]`: the agent's log, last lines first, optionally followed. Reads the files the
// agent writes (agent.log and its rotated agent.log.N); it never talks to the agent, so it also works
// when the agent is down, which is when the log is wanted most.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { agentLogFile } from '../../config/paths.js';
import { UsageError } from '../../errors.js';
import { LogFollower, lastMatching, parseJsonObject, rotatedFiles } from '../../log-follower.js';
import { hostOfLine, renderLogLine, safeJsonLine } from '../render-logs.js';

const POLL_MS = 200;
const DEFAULT_LINES = 100;

interface LogsFlags {
  follow?: boolean;
  lines: string;
  json?: boolean;
  color: boolean;
}

export function parseLineCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(
      `--lines ${value}: not a whole number of lines`,
      'Give a count of 0 or more, e.g. tunnel logs -n 50 (0 with -f shows only new lines)',
    );
  }
  return Number(value.trim());
}

/** Ctrl-C or SIGTERM ends a follow as a normal, successful run. */
async function follow(follower: LogFollower, emit: (lines: string[]) => void, signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      await sleep(POLL_MS, undefined, { signal });
    } catch {
      break;
    }
    emit(follower.readNew());
  }
}

async function showLogs(host: string | undefined, flags: LogsFlags): Promise<void> {
  const count = parseLineCount(flags.lines);
  const file = agentLogFile();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // `tunnel logs | head` closes the pipe early: that is the reader being done, not an error.
  const onOutputError = () => stop.abort();
  process.stdout.on('error', onOutputError);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const follower = new LogFollower(file);
  try {
    const current = follower.readNew();
    const older = rotatedFiles(file);
    if (!follower.isOpen && older.length === 0) {
      process.stderr.write(
        `no logs yet at ${file}; the agent writes them once it runs (tunnel connect ${host ?? '<host>'})\n`,
      );
      if (flags.follow) process.stderr.write('waiting for the first lines (Ctrl-C to stop)…\n');
    }
    const wanted = (line: string) =>
      (host === undefined || hostOfLine(line) === host) &&
      (!flags.json || parseJsonObject(line) !== undefined);
    const first = lastMatching(current, older, wanted, count);
    const emit = printer(flags, first, stop.signal);
    emit(first);
    if (flags.follow) await follow(follower, (lines) => emit(lines.filter(wanted)), stop.signal);
  } finally {
    follower.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onOutputError);
  }
}

function printer(flags: LogsFlags, first: string[], signal: AbortSignal): (lines: string[]) => void {
  const color = flags.color && process.stdout.isTTY === true;
  // Align the host column to the hosts on screen; later lines with a longer alias just push past it.
  const hostWidth = Math.max(1, ...first.map((line) => hostOfLine(line)?.length ?? 1));
  const format = flags.json ? safeJsonLine : (line: string) => renderLogLine(line, { color, hostWidth });
  return (lines) => {
    if (lines.length === 0 || signal.aborted) return;
    process.stdout.write(`${lines.map(format).join('\n')}\n`);
  };
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("show the agent's log: every session's lines, or one host's")
    .argument('[host]', 'only lines about this ssh alias (leaves out agent-wide lines)')
    .option('-f, --follow', 'keep printing lines as the agent writes them (Ctrl-C to stop)')
    .option('-n, --lines <count>', 'how many of the latest lines to show', String(DEFAULT_LINES))
    .option('--json', 'print the raw JSON lines instead of readable ones')
    .addOption(new Option('--no-color', 'never colour the output').env('NO_COLOR'))
    .action((host: string | undefined, flags: LogsFlags) => showLogs(host, flags));
}
