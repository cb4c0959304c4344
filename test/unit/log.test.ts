import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLogger, rotatingFileLogger } from '../../src/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempLog(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-log-'));
  dirs.push(dir);
  return path.join(dir, 'logs', 'agent.log');
}

const readJson = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('rotatingFileLogger', () => {
  it('appends one JSON line per call with time, level, message, base and fields', () => {
    const file = tempLog();
    const log = rotatingFileLogger(file, { base: { host: 'devserver' } });
    log('warn', 'connection lost', { forward: 'my-app/service/127.0.0.1:8080' });
    log('info', 'reconnected');
    const [first, second] = readJson(file);
    expect(first).toEqual({
      time: expect.any(String),
      level: 'warn',
      message: 'connection lost',
      host: 'devserver',
      forward: 'my-app/service/127.0.0.1:8080',
    });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(second).toMatchObject({ level: 'info', message: 'reconnected', host: 'devserver' });
  });

  it('creates the directory 0700 and the file 0600 (the log names hosts and ports)', () => {
    const file = tempLog();
    rotatingFileLogger(file)('info', 'hello');
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes an Error field as its message, not {}', () => {
    const file = tempLog();
    rotatingFileLogger(file)('error', 'exec failed', {
      error: new Error('channel closed'),
      nested: { cause: new TypeError('bad') },
    });
    expect(readJson(file)[0]).toMatchObject({ error: 'channel closed', nested: { cause: 'bad' } });
  });

  it('keeps the line when a field cannot be serialized, and never lets a field replace the message', () => {
    const file = tempLog();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const log = rotatingFileLogger(file);
    expect(() => log('info', 'with a loop', { circular })).not.toThrow();
    log('info', 'real message', { message: 'impostor', count: 10n });
    const [first, second] = readJson(file);
    expect(first).toMatchObject({
      message: 'with a loop',
      logError: expect.stringContaining('serializable'),
    });
    expect(second).toMatchObject({ message: 'real message', count: '10' });
  });

  it('rotates before the file would pass maxBytes, keeping `keep` old files, oldest dropped', () => {
    const file = tempLog();
    const log = rotatingFileLogger(file, { maxBytes: 300, keep: 2 });
    // Each line is ~100 bytes, so about two fit per file.
    for (let index = 0; index < 12; index++) log('info', `line ${index} ${'x'.repeat(40)}`);
    const files = fs.readdirSync(path.dirname(file)).sort();
    expect(files).toEqual(['agent.log', 'agent.log.1', 'agent.log.2']);
    for (const name of files)
      expect(fs.statSync(path.join(path.dirname(file), name)).size).toBeLessThanOrEqual(300);
    const numbers = (name: string) =>
      readJson(path.join(path.dirname(file), name)).map((entry) => Number(entry.message.split(' ')[1]));
    const all = [...numbers('agent.log.2'), ...numbers('agent.log.1'), ...numbers('agent.log')];
    // Oldest first across the files, contiguous, ending with the last line written.
    expect(all.at(-1)).toBe(11);
    expect(all).toEqual(all.map((_, index) => 12 - all.length + index));
  });

  it('still writes a single line longer than maxBytes (into a fresh file)', () => {
    const file = tempLog();
    const log = rotatingFileLogger(file, { maxBytes: 50 });
    log('info', 'x'.repeat(200));
    log('info', 'y'.repeat(200));
    expect(readJson(file)).toHaveLength(1);
    expect(readJson(`${file}.1`)[0].message).toBe('x'.repeat(200));
  });

  it('recreates a log directory removed under it', () => {
    const file = tempLog();
    const log = rotatingFileLogger(file);
    log('info', 'before');
    fs.rmSync(path.dirname(file), { recursive: true });
    log('info', 'after');
    expect(readJson(file).map((entry) => entry.message)).toEqual(['after']);
  });

  it('drops the line, without throwing, when the file cannot be written', () => {
    const file = tempLog();
    // A directory where the file should be: every append fails, as on a full or read-only disk.
    fs.mkdirSync(file, { recursive: true });
    const log = rotatingFileLogger(file, { maxBytes: 10 });
    expect(() => log('error', 'nowhere to go')).not.toThrow();
  });
});

describe('fileLogger', () => {
  it('still appends JSON lines with its base fields', () => {
    const file = tempLog();
    fileLogger(file, { host: 'devserver', pid: 7 })('info', 'forwarding', { forwards: 2 });
    expect(readJson(file)[0]).toMatchObject({
      level: 'info',
      message: 'forwarding',
      host: 'devserver',
      pid: 7,
      forwards: 2,
    });
  });
});
