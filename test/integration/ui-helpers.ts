// The Ports page from the outside, for its browser tests, the bench and the screenshots: `tunnel ui
// --no-open` as a user runs it (its URL read from what it prints, stopped by pid), and Debian's Chromium
// through playwright-core (nothing downloaded). No test-runner dependency: scripts/ use it too.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { BIN, type CliEnv } from './cli-process.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  browser: Browser;
  /** Closes the browser and removes its temporary directory. */
  close(): Promise<void>;
}

/**
 * One headless Chromium; --no-sandbox because the tests run as root, where its sandbox cannot start. Its
 * TMPDIR is a directory of ours, removed on close: Chromium leaves its singleton socket directory
 * (org.chromium.Chromium.*) in the temporary directory when it is killed.
 */
export async function launchChromium(): Promise<Chromium> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-chromium-'));
  const remove = () => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox'],
      env: { ...process.env, TMPDIR: tmp },
    });
    return {
      browser,
      close: async () => {
        await browser.close();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}

export interface RunningUi {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/<token>/ as `tunnel ui` printed it. */
  url: string;
  port: number;
  token: string;
  output(): { stdout: string; stderr: string };
  /** SIGINT (Ctrl-C), then SIGKILL by pid if it has not exited within 5 s; resolves with its exit code. */
  stop(): Promise<number | null>;
}

const URL_LINE = /http:\/\/127\.0\.0\.1:(\d+)\/([A-Za-z0-9_-]+)\//;

/** Starts `tunnel ui --no-open` in this CLI environment and waits (up to 20 s) for the URL it prints. */
export function startUi(cli: CliEnv, extra: string[] = []): Promise<RunningUi> {
  const child = spawn(process.execPath, [BIN, 'ui', '--no-open', ...extra], {
    env: cli.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`tunnel ui printed no URL within 20 s:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = URL_LINE.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[0],
        port: Number(match[1]),
        token: match[2] as string,
        output: () => ({ stdout, stderr }),
        stop,
      });
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tunnel ui exited (${code}) before printing its URL:\n${stdout}\n${stderr}`));
    });
  });
}
