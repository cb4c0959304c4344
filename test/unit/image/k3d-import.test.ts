// `k3d image import` that never finishes (v5.2–v5.3 direct mode after a node's ctr failed mid-stream: the
// other nodes' ctr wait for the rest of the stream, and k3d for them): it is stopped and reported, so the
// push goes on to check and repair every node; Ctrl-C still ends the push.
import { describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { importTimeoutMs, runK3dImport } from '../../../src/image/k3d-import.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import type { ExecOptions, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const k3d: K3dInfo = {
  path: '/usr/local/bin/k3d',
  foundVia: 'PATH',
  command: ['/usr/local/bin/k3d'],
  k3dVersion: 'v5.3.0',
  k3sVersion: undefined,
};

/** An SSH link whose k3d never exits: it ends only when the run is stopped, as ssh/exec.ts does. */
function hungK3d() {
  const stopped: unknown[] = [];
  const ssh = {
    target: sshTarget({ alias: 'devserver' }),
    exec: (_argv: readonly string[], options: ExecOptions = {}) =>
      new Promise((_, reject) => {
        options.signal?.addEventListener('abort', () => {
          stopped.push(options.signal?.reason);
          reject(new Error('stopped'));
        });
      }),
  } as unknown as SshLink;
  return { ssh, stopped };
}

const run = (signal: AbortSignal, timeoutMs: number) => ({
  k3d,
  file: '/tmp/tunnel-image-abc123',
  cluster: 'my-app',
  timeoutMs,
  signal,
});

describe('k3d image import that hangs', () => {
  it('is stopped after its time and reported as an error, not thrown', async () => {
    const { ssh, stopped } = hungK3d();
    const output = await runK3dImport(ssh, run(new AbortController().signal, 20));
    expect(stopped).toHaveLength(1);
    expect(output.code).toBeNull();
    expect(output.errors).toEqual(['k3d did not finish within 1 second and was stopped']);
  });

  it('Ctrl-C still ends the push', async () => {
    const { ssh } = hungK3d();
    const controller = new AbortController();
    const pending = runK3dImport(ssh, run(controller.signal, 60_000));
    controller.abort(new Error('interrupted by SIGINT'));
    const error = (await pending.catch((e) => e)) as TunnelError;
    expect(error.message).toBe('stopped');
  });

  it('gets more time for a bigger image, never past 30 minutes', () => {
    expect(importTimeoutMs(0)).toBe(3 * 60_000);
    expect(importTimeoutMs(2 * 1024 ** 3)).toBe(3 * 60_000 + 512_000);
    expect(importTimeoutMs(100 * 1024 ** 3)).toBe(30 * 60_000);
  });
});
