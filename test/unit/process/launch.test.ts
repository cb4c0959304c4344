// launchDetached with real processes: an opener that leaves a child (the browser) holding what would
// have been its stdout must not keep us waiting, and that child is not in our process group, so the
// terminal's Ctrl-C for `tunnel ui` never reaches it. Every process started here is killed by its pid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchDetached } from '../../../src/process/launch.js';

const leftovers: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The process group of a pid (field 5 of /proc/<pid>/stat, after the parenthesised name). */
function groupOf(pid: number | 'self'): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function waitFor(file: string): Promise<string> {
  while (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') === '') {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return fs.readFileSync(file, 'utf8');
}

describe('launchDetached (the browser opener)', () => {
  it('answers when the opener exits, though the browser it started still holds its stdout and stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-launch-'));
    dirs.push(dir);
    const pidFile = path.join(dir, 'browser.pid');
    // The stand-in "browser" writes to stdout now and then: with pipes we would wait 30 s for it.
    const script = `(while :; do echo chatter; sleep 1; done) & echo $! > '${pidFile}'; exit 0`;
    const result = await launchDetached({ file: 'sh', args: ['-c', script], timeoutMs: 20_000 });
    const browser = Number(await waitFor(pidFile));
    leftovers.push(browser);
    expect(result).toMatchObject({ exitCode: 0, failure: '', timedOut: false, notFound: false });
    // Answered while the browser (which never ends by itself) still runs; nothing of ours killed it.
    expect(() => process.kill(browser, 0)).not.toThrow();
    expect(groupOf(browser)).not.toBe(groupOf('self'));
  });

  it('says what failed: not installed, a non-zero exit', async () => {
    expect(
      await launchDetached({ file: 'tunnel-no-such-opener', args: ['x'], timeoutMs: 5000 }),
    ).toMatchObject({
      notFound: true,
      exitCode: undefined,
      failure: '`tunnel-no-such-opener x` could not run: tunnel-no-such-opener was not found on PATH',
    });
    expect(await launchDetached({ file: 'sh', args: ['-c', 'exit 4'], timeoutMs: 5000 })).toMatchObject({
      exitCode: 4,
      failure: "`sh -c 'exit 4'` exited with code 4",
    });
  });

  it('stops waiting at the limit and leaves the opener running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-launch-'));
    dirs.push(dir);
    const pidFile = path.join(dir, 'opener.pid');
    const result = await launchDetached({
      file: 'sh',
      args: ['-c', `echo $$ > '${pidFile}'; exec sleep 30`],
      timeoutMs: 300,
    });
    const opener = Number(await waitFor(pidFile));
    leftovers.push(opener);
    expect(result).toMatchObject({ timedOut: true, exitCode: undefined });
    expect(() => process.kill(opener, 0)).not.toThrow();
  });
});
