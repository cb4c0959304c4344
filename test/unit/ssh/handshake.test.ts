import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthPlan } from '../../../src/ssh/auth.js';
import { handshake, PausableDeadline } from '../../../src/ssh/handshake.js';
import { expandProxyCommand } from '../../../src/ssh/proxy-command.js';
import type { SshTarget } from '../../../src/ssh/types.js';

describe('PausableDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after its total time, not counting time spent in prompts', async () => {
    const deadline = new PausableDeadline(1000);
    const expired = vi.fn();
    deadline.start(expired);
    vi.advanceTimersByTime(600);
    let answer!: () => void;
    const prompt = deadline.around(() => new Promise<void>((resolve) => (answer = resolve)));
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    answer();
    await prompt;
    vi.advanceTimersByTime(399);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('stop() cancels it', () => {
    const deadline = new PausableDeadline(10);
    const expired = vi.fn();
    deadline.start(expired);
    deadline.stop();
    vi.advanceTimersByTime(100);
    expect(expired).not.toHaveBeenCalled();
  });
});

describe('expandProxyCommand', () => {
  const target = { alias: 'dev box', hostName: 'h.example', port: 2222, user: "o'neil" } as SshTarget;
  it('expands %h %p %r %n %% and quotes values that need it', () => {
    expect(expandProxyCommand('nc %h %p # %r %n 100%%', target)).toBe(
      "nc h.example 2222 # 'o'\\''neil' 'dev box' 100%",
    );
  });
  it('refuses unknown tokens', () => {
    expect(() => expandProxyCommand('nc %x', target)).toThrow(/unknown token %x/);
  });
});

describe('handshake through a ProxyCommand that closes', () => {
  it("shows the proxy's stderr (the jump host's words) escaped and bounded", async () => {
    const sock = new PassThrough();
    const target = { alias: 'devserver', hostName: 'devserver', port: 22, user: 'dev' } as SshTarget;
    const attempt = handshake({
      target,
      sock,
      verifier: {
        verify: () => {},
        serverHostKeyAlgorithms: ['ssh-ed25519'],
        error: undefined,
        warnings: [],
      },
      auth: { handler: () => {}, failure: () => new Error('auth') } as unknown as AuthPlan,
      deadline: new PausableDeadline(60_000),
      keepalive: { intervalMs: 0, countMax: 3 },
      signal: undefined,
      proxyStderr: () => `channel 0: open failed: \x1b]52;c;aGk=\x07 ${'x'.repeat(3000)}`,
    });
    sock.end();
    const error = (await attempt.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('channel 0: open failed: \\x1b]52;c;aGk=\\x07 x');
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message.length).toBeLessThan(700);
  });
});
