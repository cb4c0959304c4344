// The agent lock against real files, a really dead pid and a real control socket.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAgentLock, type LockRecord, readLockRecord } from '../../src/agent/lock.js';
import { type ControlServer, startControlServer } from '../../src/control/server.js';
import { silentLogger } from '../../src/log.js';

let dir: string;
let lockFile: string;
let socketPath: string;
let server: ControlServer | undefined;

/** The pid of a process that really ran and is really gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const pid = child.pid!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return pid;
}

function writeLock(record: LockRecord): void {
  fs.writeFileSync(lockFile, JSON.stringify(record), { mode: 0o600 });
}

const old = new Date(Date.now() - 60 * 60 * 1000).toISOString();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-lock-'));
  lockFile = path.join(dir, 'agent.lock');
  socketPath = path.join(dir, 'run', 'agent.sock');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent lock', () => {
  it('is taken when free: a 0600 file with pid, start time and version; release removes it', async () => {
    const result = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' });
    if (!result.acquired) throw new Error('expected the lock');
    expect(readLockRecord(lockFile)).toEqual({
      pid: process.pid,
      startedAt: result.lock.record.startedAt,
      version: '0.1.0',
    });
    expect(fs.statSync(lockFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['agent.lock']);
    result.lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('is refused while a live agent holds it and answers hello, naming its version', async () => {
    const first = await acquireAgentLock({ lockFile, socketPath, version: '0.0.9' });
    expect(first.acquired).toBe(true);
    server = await startControlServer({
      socketPath,
      log: silentLogger,
      agentVersion: '0.0.9',
      // Only hello matters here (the server answers it itself); the rest are never called.
      handlers: {
        status: () => Promise.reject(new Error('not used')),
        connect: () => Promise.reject(new Error('not used')),
        disconnect: () => ({ disconnected: [] }),
        rediscover: () => Promise.reject(new Error('not used')),
        shutdown: () => ({}),
        watch: () => Promise.reject(new Error('not used')),
      },
    });
    // Old enough that only the answering socket, not the startup grace, keeps the lock.
    const second = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0', startupGraceMs: 0 });
    expect(second).toEqual({
      acquired: false,
      holder: expect.objectContaining({ pid: process.pid, version: '0.0.9' }),
      agentVersion: '0.0.9',
    });
  });

  it('is taken over from a pid that is really dead', async () => {
    const pid = await deadPid();
    writeLock({ pid, startedAt: new Date().toISOString(), version: '0.0.1' });
    const result = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' });
    expect(result.acquired).toBe(true);
    expect(readLockRecord(lockFile)?.pid).toBe(process.pid);
  });

  it('is taken over from a live pid whose socket stays silent past the startup grace', async () => {
    writeLock({ pid: process.pid, startedAt: old, version: '0.0.1' });
    const result = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' });
    expect(result.acquired).toBe(true);
  });

  it('is left to a live holder that is still starting (socket not listening yet)', async () => {
    writeLock({ pid: process.pid, startedAt: new Date().toISOString(), version: '0.0.1' });
    const result = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' });
    expect(result).toMatchObject({ acquired: false, agentVersion: undefined });
  });

  it('is taken over from an unreadable lock file', async () => {
    fs.writeFileSync(lockFile, '{"pid": 12');
    expect((await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' })).acquired).toBe(true);
  });

  it('goes to exactly one of two starters racing over a dead lock', async () => {
    writeLock({ pid: await deadPid(), startedAt: old, version: '0.0.1' });
    const at = (ms: number) => () => new Date(Date.now() + ms);
    const results = await Promise.all([
      acquireAgentLock({ lockFile, socketPath, version: 'a', now: at(0) }),
      acquireAgentLock({ lockFile, socketPath, version: 'b', now: at(5) }),
    ]);
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    expect(readLockRecord(lockFile)).toBeDefined();
    expect(fs.readdirSync(dir)).toEqual(['agent.lock']);
  });

  it('release() leaves a successor’s lock alone', async () => {
    const result = await acquireAgentLock({ lockFile, socketPath, version: '0.1.0' });
    if (!result.acquired) throw new Error('expected the lock');
    writeLock({ pid: 1, startedAt: old, version: '0.2.0' });
    result.lock.release();
    expect(readLockRecord(lockFile)?.version).toBe('0.2.0');
  });
});
