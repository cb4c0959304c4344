// The run-wide check that tests leave nothing in /tmp: which entries count as left behind.
import { describe, expect, it } from 'vitest';
import { leftBehind } from '../tmp-guard.js';

describe('leftBehind', () => {
  it('names our entries that appeared during the run and are still there', () => {
    const before = new Set(['tunnel-demo-old', 'systemd-private-x']);
    const after = ['tunnel-demo-old', 'systemd-private-x', 'tunnel-jump-Ab12Cd', 'sim-pki-9', 'npm-123'];
    expect(leftBehind(before, after)).toEqual(['sim-pki-9', 'tunnel-jump-Ab12Cd']);
  });

  it("keeps the agent's per-user socket directory, and what was there before the run", () => {
    expect(leftBehind(new Set(['tunnel-cli-x']), ['tunnel-0', 'tunnel-1000', 'tunnel-cli-x'])).toEqual([]);
  });
});
