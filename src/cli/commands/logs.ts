// `tunnel logs [host]`: the agent's log, last lines first, optionally followed. Reads the files the
// agent writes (agent.log and its rotated agent.log.N); it never talks to the agent, so it also works
// when the agent is down, which is when the log is wanted most.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { agentLogFile } from '../../config/paths.js';
import { UsageError } from '../../errors.js';
import { LogFollower, splitLines } from '../../log-follower.js';
import { hostOfLine, parseJsonObject, renderLogLine, safeJsonLine } from '../render-logs.js';

const POLL_MS = 200;
const DEFAULT_LINES = 100;

interface LogsFlags {
  follow?: boolean;
  lines: string;
  json?: boolean;
  color: boolean;
}

/** agent.log.1, agent.log.2, … that exist, newest (lowest number) first. */
export function rotatedFiles(file: string): string[] {
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b)
    .map((index) => `${file}.${index}`);
}

function readLines(file: string): string[] {
  try {
    return splitLines(fs.readFileSync(file, 'utf8'));
  } catch {
    return []; // Rotated away between listing and reading: its lines are in the next file.
  }
}

/** The last `count` lines that `wanted` accepts, oldest first; older files are read only if needed. */
export function lastMatching(
  current: string[],
  olderFiles: string[],
  wanted: (line: string) => boolean,
  count: number,
): string[] {
  const picked: string[] = [];
  const take = (lines: string[]) => {
    for (let index = lines.length - 1; index >= 0 && picked.length < count; index--) {
      if (wanted(lines[index]!)) picked.push(lines[index]!);
    }
  };
  take(current);
  for (const file of olderFiles) {
    if (picked.length >= count) break;
    take(readLines(file));
  }
  return picked.reverse();
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
