// A fake ssh2 Client for the exec layer: records each command string and answers from a script, so the
// real execOnClient / quoteArgv path is what the bad-input suites drive.
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { execOnClient, quoteArgv, shellQuote } from '../../../src/ssh/exec.js';
import type { ExecOptions, SshConnection, SshTarget } from '../../../src/ssh/types.js';

export class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  closed = false;
  end() {}
  close() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
  signal() {}
}

export type Answer = (channel: FakeChannel, command: string) => void;

/** Answers `stdout` with exit code `code`, then closes. */
export function reply(stdout: string, code = 0): Answer {
  return (channel) => {
    channel.emit('data', Buffer.from(stdout));
    channel.emit('exit', code);
    channel.close();
  };
}

export function fakeClient(answer: Answer) {
  const commands: string[] = [];
  const client = {
    exec(command: string, callback: (error: Error | undefined, channel: FakeChannel) => void) {
      commands.push(command);
      const channel = new FakeChannel();
      setImmediate(() => {
        callback(undefined, channel);
        answer(channel, command);
      });
    },
  };
  return { client: client as unknown as Client, commands };
}

/** An SshConnection that quotes exactly as src/ssh/connection.ts does, over the fake client. */
export function fakeConnection(answer: Answer): { conn: SshConnection; commands: string[] } {
  const { client, commands } = fakeClient(answer);
  const conn = {
    target: { alias: 'devbox' } as SshTarget,
    exec: (argv: readonly string[], options?: ExecOptions) => execOnClient(client, quoteArgv(argv), options),
    execShell: (script: string, options?: ExecOptions) =>
      execOnClient(client, `sh -c ${shellQuote(script)}`, options),
    forwardOut: () => Promise.reject(new Error('not in this fake')),
    closed: new Promise<never>(() => {}),
    close: () => {},
  };
  return { conn: conn as unknown as SshConnection, commands };
}
