// `tunnel logs [host]`: the agent's log, last lines first, optionally followed. Reads the files the
// agent writes (agent.log and its rotated agent.log.N); it never talks to the agent, so it also works
// when the agent is down, which is when the log is wanted most.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { agentLogFile } from '../../config/paths.js';
import { UsageError } from '../../errors.js';
import { hostOfLine, parseJsonObject, renderLogLine, safeJsonLine } from '../render-logs.js';

const POLL_MS = 200;
const DEFAULT_LINES = 100;
const NEWLINE = 0x0a;

interface LogsFlags {
  follow?: boolean;
  lines: string;
  json?: boolean;
  color: boolean;
}

/**
 * Reads one log file by position and notices when the writer replaces it. The file is held open, so
 * after a rotation the rest of the old file is still read (through the old descriptor) before the
 * new one is opened from its start. Only whole lines come out; a partial last line waits for its end.
 */
export class LogFollower {
  private fd: number | undefined;
  private inode = 0;
  private position = 0;
  private pending = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Every complete line added since the last call (all of them on the first). */
  readNew(): string[] {
    if (this.fd === undefined && !this.open()) return [];
    const lines = this.drain();
    const now = statOrUndefined(this.file);
    if (!now || now.ino !== this.inode) {
      // Replaced (rotated) or removed: take what the writer added to the old file meanwhile, and its
      // unterminated tail, which will never be completed now.
      lines.push(...this.drain(), ...this.takePending());
      this.close();
      if (now && this.open()) lines.push(...this.drain());
    } else if (now.size < this.position) {
      // Truncated in place: what is there now was written after the truncation.
      this.position = 0;
      this.pending = Buffer.alloc(0);
      lines.push(...this.drain());
    }
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): boolean {
    try {
      this.fd = fs.openSync(this.file, 'r');
      this.inode = fs.fstatSync(this.fd).ino;
      this.position = 0;
      this.pending = Buffer.alloc(0);
      return true;
    } catch {
      return false;
    }
  }

  private drain(): string[] {
    const chunks = [this.pending];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const count = fs.readSync(this.fd!, buffer, 0, buffer.length, this.position);
      if (count === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, count)));
      this.position += count;
    }
    const all = Buffer.concat(chunks);
    const end = all.lastIndexOf(NEWLINE);
    this.pending = Buffer.from(all.subarray(end + 1));
    return end < 0 ? [] : splitLines(all.subarray(0, end).toString('utf8'));
  }

  private takePending(): string[] {
    const rest = splitLines(this.pending.toString('utf8'));
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

const splitLines = (text: string) => text.split('\n').filter((line) => line.length > 0);

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
