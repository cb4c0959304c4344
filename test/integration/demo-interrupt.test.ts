// Ctrl-C during `tunnel demo`, at several moments, as a terminal sends it: SIGINT to the demo's whole
// process group. Afterwards no agent of the demo may run and its directory must be gone for good (an
// agent left starting used to outlive the demo and re-create the directory).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from './cli-helpers.js';
import { canScanProcesses, killPids, processesOnState } from './state-processes.js';

const homes: string[] = [];
const leftovers: { pids: number[]; dir: string | undefined }[] = [];

afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
  // Only when a test failed: stop what it found by pid, so one failure does not leak an agent.
  for (const { pids, dir } of leftovers.splice(0)) {
    killPids(pids);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Interrupted {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the demo and sends SIGINT to its process group `delayMs` after `marker` appears in its output. */
function interruptDemo(marker: string, delayMs: number): Promise<Interrupted> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-demo-int-'));
  homes.push(home);
  const child = spawn(process.execPath, [BIN, 'demo'], {
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // Its own process group, like a terminal's foreground job.
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (sent || !stdout.includes(marker)) return;
    sent = true;
    setTimeout(() => process.kill(-child.pid!, 'SIGINT'), delayMs);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const MOMENTS: [string, number][] = [
  ['1. A pretend dev server', 0],
  ['2. Connect', 0],
  ['2. Connect', 150],
  ['2. Connect', 300],
  ['2. Connect', 450],
  ['2. Connect', 600],
  ['3. Use it', 0],
  ['4. kubectl', 0],
  ['5. Status', 0],
  ['6. Clean up', 0],
];

describe.skipIf(!canScanProcesses)('tunnel demo, interrupted (Linux: agents found in /proc)', () => {
  it.each(MOMENTS)('Ctrl-C %s + %i ms leaves no agent and no directory', async (marker, delayMs) => {
    const result = await interruptDemo(marker, delayMs);
    const dir = /(\S+)\/known_hosts/.exec(result.stdout)?.[1];
    expect(dir, result.stdout + result.stderr).toBeDefined();
    const agents = processesOnState(path.join(dir!, 'state'));
    leftovers.push({ pids: agents, dir });
    expect(agents, result.stdout + result.stderr).toEqual([]);
    expect(fs.existsSync(dir!)).toBe(false);
    // Interrupted (exit 130, saying so), or finished before the signal landed (the clean-up was under
    // way: exit 0). Never a plain failure.
    if (result.code === 0) expect(result.stderr).not.toContain('demo interrupted');
    else {
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain('demo interrupted');
    }
  });
});
