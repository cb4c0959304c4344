// `npm run demo` (and `npm test`) a second time: predemo finds dist/ current and does not rebuild it.
// The real script on this repository; the first call may build (when dist/ is stale), the second must not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.join(import.meta.dirname, '../..');
const ENTRY = path.join(REPO, 'dist/cli/main.js');

const firstRun = () =>
  spawnSync(process.execPath, [path.join(REPO, 'scripts/first-run.mjs')], { cwd: REPO, encoding: 'utf8' });

describe('npm run demo when dist/ is current', () => {
  it('does not rebuild', () => {
    expect(firstRun().status).toBe(0);
    const built = fs.statSync(ENTRY).mtimeMs;
    const again = firstRun();
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('build: dist/ is up to date\n');
    expect(fs.statSync(ENTRY).mtimeMs).toBe(built);
  });
});
