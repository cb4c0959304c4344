// The bench's OpenSSH rows: a ratio row per tunnel transport against ssh -L of the same run, and "not
// available" only when the build has no OpenSSH transport (never to hide a real failure).
import { describe, expect, it } from 'vitest';
import { pathsOf } from '../../../scripts/bench/env.js';
import { ratioRows } from '../../../scripts/bench/measures.js';
import { notAvailable } from '../../../scripts/bench/tunnel-cli.js';

describe('bench rows for the OpenSSH transport', () => {
  it('shows each tunnel transport as a ratio against ssh -L', () => {
    const values: Record<string, number[]> = { tunnel: [60, 30], 'tunnel-openssh': [45, 20], ssh: [50, 40] };
    const rows = ratioRows(['tunnel', 'tunnel-openssh', 'ssh', 'direct'], 'ssh', (p) => values[p]!);
    expect(rows).toEqual([
      ['ratio tunnel/ssh', 1.2, 0.75],
      ['ratio tunnel-openssh/ssh', 0.9, 0.5],
    ]);
  });

  it('measures tunnel-openssh only on a link whose OpenSSH agent connected', () => {
    const paths = ['tunnel', 'tunnel-openssh', 'ssh'] as const;
    const without = { openssh: undefined } as Parameters<typeof pathsOf>[0];
    const withIt = { openssh: { agentPid: 1 } } as unknown as Parameters<typeof pathsOf>[0];
    expect(pathsOf(without, [...paths])).toEqual(['tunnel', 'ssh']);
    expect(pathsOf(withIt, [...paths])).toEqual([...paths]);
  });

  it('says "not available" only when the transport is missing from the build', () => {
    expect(notAvailable('openssh', 'error: not implemented yet\n')).toBe('error: not implemented yet');
    expect(notAvailable('openssh', "error: unknown option '--transport'\n")).toBe(
      "error: unknown option '--transport'",
    );
    expect(notAvailable('openssh', 'error: Authentication to dev@host failed\n')).toBeUndefined();
    expect(notAvailable('ssh2', 'error: not implemented yet\n')).toBeUndefined();
  });
});
