import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import {
  decodeRemoteCommand,
  execArgvOnClient,
  execOnClient,
  MAX_EXECS_IN_FLIGHT,
  quoteArgv,
  remoteCommand,
  shellQuote,
} from '../../../src/ssh/exec.js';
import { whichShell } from '../../shells.js';

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(shellQuote('k3d')).toBe('k3d');
    expect(shellQuote('--output=json')).toBe('--output=json');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
    expect(quoteArgv(['k3d', 'cluster', 'list', 'a b'])).toBe("k3d cluster list 'a b'");
  });

  it('survives a real `sh -c printf %s` round trip for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }).filter((text) => !text.includes('\u0000')),
        (text) => {
          const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(text)}`]);
          expect(out.equals(Buffer.from(text, 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps argv boundaries through sh', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 10 }).filter((text) => !text.includes('\u0000')),
          { maxLength: 5 },
        ),
        (argv) => {
          const out = execFileSync('sh', [
            '-c',
            `for a in ${quoteArgv(['-', ...argv])}; do printf '%s\\0' "$a"; done`,
          ]);
          expect(out.toString('utf8').split('\u0000').slice(1, -1)).toEqual(argv);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// sshd runs the exec request's string as `$SHELL -c <string>` with the user's login shell. fish (and zsh) are
// installed by .ci/run; a shell missing here is skipped, and says so in the test name.
const LOGIN_SHELLS = ['sh', 'bash', 'zsh', 'fish'].map((shell) => ({ shell, path: whichShell(shell) }));

const hostileWord = fc.oneof(
  fc.constantFrom(
    "\\'",
    "a\\'; touch /tmp/tunnel-pwned; echo '",
    "'",
    '\\',
    '\\\\',
    '$(touch /tmp/tunnel-pwned)',
    '`id`',
    '"$HOME"',
    '%s%d%b\\n',
    '-n',
    '--',
    '',
    ' ',
    'a\nb\n',
    '\n',
    '*',
    '{a,b}',
    '~',
    '#',
    '!!',
    'é ☃ 💥',
    '\u001b]52;c;eA==\u0007',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const wellFormed = (word: string) =>
  !word.includes('\u0000') && Buffer.from(word, 'utf8').toString('utf8') === word;

describe('remoteCommand', () => {
  for (const { shell, path } of LOGIN_SHELLS) {
    it.skipIf(path === undefined)(
      `delivers argv exactly, whatever the words, under a ${shell} login shell`,
      () => {
        fc.assert(
          fc.property(fc.array(hostileWord.filter(wellFormed), { maxLength: 6 }), (argv) => {
            // printf (coreutils, via exec) prints each word then a NUL; 'end' so an empty argv still prints.
            const command = remoteCommand(['printf', '%s\\000', ...argv, 'end']);
            const out = execFileSync(path!, ['-c', command], {
              env: { PATH: process.env.PATH, HOME: '/nonexistent' },
            });
            expect(out.toString('utf8').split('\u0000').slice(0, -2)).toEqual(argv);
          }),
          { numRuns: 40 },
        );
      },
    );
  }

  it('sends no single quote and no backslash that fish or POSIX would read differently', () => {
    fc.assert(
      fc.property(fc.array(hostileWord.filter(wellFormed), { maxLength: 6 }), (argv) => {
        const script = /^exec \/bin\/sh -c '([^']*)'$/.exec(remoteCommand(argv))?.[1];
        expect(script).toBeDefined();
        expect(script).not.toMatch(/\\['\\]/);
        expect(script).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/);
      }),
    );
  });

  it('decodeRemoteCommand gives back the argv (for in-process servers such as the demo)', () => {
    fc.assert(
      fc.property(fc.array(hostileWord.filter(wellFormed), { maxLength: 6 }), (argv) => {
        expect(decodeRemoteCommand(remoteCommand(argv))).toEqual(argv);
      }),
    );
    expect(decodeRemoteCommand('k3d version')).toBeUndefined();
  });

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => remoteCommand(['k3d', 'a\u0000b'])).toThrow(/NUL/);
  });
});

/** Just enough of an ssh2 channel: data/stderr/exit/close events, end/close/signal. */
class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  stdin: Buffer[] = [];
  closed = false;
  end(data?: string | Buffer) {
    if (data !== undefined) this.stdin.push(Buffer.from(data));
  }
  close() {
    this.closed = true;
    this.emit('close');
  }
  signal() {}
}

function fakeClient(behaviour: (channel: FakeChannel, command: string) => void) {
  const channels: FakeChannel[] = [];
  const client = {
    exec(command: string, cb: (error: Error | undefined, channel: FakeChannel) => void) {
      const channel = new FakeChannel();
      channels.push(channel);
      setImmediate(() => {
        cb(undefined, channel);
        behaviour(channel, command);
      });
    },
  };
  return { client: client as unknown as Client, channels };
}

describe('execOnClient', () => {
  it('collects stdout/stderr, passes stdin, takes the exit code', async () => {
    const { client, channels } = fakeClient((channel) => {
      channel.emit('data', Buffer.from('out'));
      channel.stderr.emit('data', Buffer.from('err'));
      channel.emit('exit', 3);
      channel.emit('close', 3);
    });
    const result = await execOnClient(client, 'cmd', { stdin: 'input' });
    expect(result).toEqual({ stdout: 'out', stderr: 'err', code: 3, signal: undefined });
    expect(channels[0]?.stdin.map(String)).toEqual(['input']);
  });

  it('reports a signal death as code null', async () => {
    const { client } = fakeClient((channel) => channel.emit('close', null, 'TERM'));
    expect(await execOnClient(client, 'cmd')).toMatchObject({ code: null, signal: 'TERM' });
  });

  it('bounds output, keeps draining, marks truncated (no split UTF-8 issue beyond the cut)', async () => {
    const { client } = fakeClient((channel) => {
      for (let i = 0; i < 10; i++) channel.emit('data', Buffer.from('0123456789'));
      channel.emit('close', 0);
    });
    const result = await execOnClient(client, 'cmd', { maxOutputBytes: 25 });
    expect(result.stdout).toBe('0123456789012345678901234');
    expect(result.truncated).toBe(true);
  });

  it('is not truncated by an empty chunk after exactly maxOutputBytes', async () => {
    const { client } = fakeClient((channel) => {
      channel.emit('data', Buffer.from('0123456789'));
      channel.emit('data', Buffer.alloc(0));
      channel.emit('close', 0);
    });
    const result = await execOnClient(client, 'cmd', { maxOutputBytes: 10 });
    expect(result).toMatchObject({ stdout: '0123456789' });
    expect(result.truncated).toBeUndefined();
  });

  it('execArgvOnClient sends the /bin/sh wrapper but names the command as a person reads it', async () => {
    const { client, channels } = fakeClient(() => {});
    const sent: string[] = [];
    const exec = client.exec.bind(client);
    Object.assign(client, {
      exec: (command: string, cb: never) => {
        sent.push(command);
        return exec(command, cb);
      },
    });
    const error = await execArgvOnClient(client, ['k3d', 'kubeconfig', 'get', 'a b'], {
      timeoutMs: 30,
    }).catch((caught: unknown) => caught);
    expect(sent[0]).toMatch(/^exec \/bin\/sh -c '/);
    expect((error as TunnelError).message).toMatch(/timed out after 30 ms: k3d kubeconfig get 'a b'$/);
    expect(channels[0]?.closed).toBe(true);
  });

  it('times out with REMOTE_COMMAND and closes the channel', async () => {
    const { client, channels } = fakeClient(() => {});
    const error = await execOnClient(client, 'sleep 100', { timeoutMs: 30 }).catch(
      (caught: unknown) => caught,
    );
    expect((error as TunnelError).code).toBe('REMOTE_COMMAND');
    expect((error as TunnelError).message).toMatch(/timed out after 30 ms: sleep 100/);
    expect(channels[0]?.closed).toBe(true);
  });

  it('honours an AbortSignal', async () => {
    const { client } = fakeClient(() => {});
    const controller = new AbortController();
    const pending = execOnClient(client, 'x', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(pending).rejects.toThrow('stop');
  });

  it('turns channel-open failures and "Not connected" into REMOTE_COMMAND', async () => {
    const refusing = {
      exec: (_c: string, cb: (e: Error) => void) =>
        setImmediate(() => cb(new Error('(SSH) Channel open failure'))),
    } as unknown as Client;
    await expect(execOnClient(refusing, 'x')).rejects.toMatchObject({ code: 'REMOTE_COMMAND' });
    const closed = {
      exec: () => {
        throw new Error('Not connected');
      },
    } as unknown as Client;
    await expect(execOnClient(closed, 'x')).rejects.toMatchObject({ code: 'REMOTE_COMMAND', hint: /closed/ });
  });

  it("shows the server's channel-open failure text and the command escaped", async () => {
    const hostile = {
      exec: (_c: string, cb: (e: Error) => void) =>
        setImmediate(() => cb(new Error('denied \x1b]52;c;aGk=\x07\nfake: line'))),
    } as unknown as Client;
    const error = (await execOnClient(hostile, "k3d cluster list '\x1b[2J'").catch((e) => e)) as TunnelError;
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message).toBe(
      "Could not run remote command (denied \\x1b]52;c;aGk=\\x07\\x0afake: line): k3d cluster list '\\x1b[2J'",
    );
  });

  it(`keeps at most ${MAX_EXECS_IN_FLIGHT} execs in flight per client`, async () => {
    let open = 0;
    let peak = 0;
    const { client } = fakeClient((channel) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        channel.emit('close', 0);
      }, 5);
    });
    await Promise.all(Array.from({ length: 20 }, () => execOnClient(client, 'x')));
    expect(peak).toBe(MAX_EXECS_IN_FLIGHT);
  });
});
