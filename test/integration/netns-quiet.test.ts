// CI's log stays readable: setting up and tearing down a test network namespace prints nothing, including
// the expected "Cannot open network namespace" of `ip netns pids` for a namespace that is not there yet.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../devserver/netns.js';

const netnsModule = path.join(import.meta.dirname, '../devserver/netns.ts');
// Far above the indices the simulator claims (50 up), so no other suite's namespace is touched.
const INDEX = 249;

describe.skipIf(!isRoot())('test network namespaces (root only; skipped otherwise)', () => {
  it('are created and deleted without a word on stderr', () => {
    const script = `const { createNetns } = await import(${JSON.stringify(netnsModule)}); createNetns(${INDEX}).delete();`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(
      `tunnel-test-${INDEX}`,
    );
  });
});
