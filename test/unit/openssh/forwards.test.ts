// forwardOut on the OpenSSH transport, with a fake `ssh -O forward` that creates the Unix socket the
// master would: one request per host:port however many callers come at once, a failure not remembered,
// and every byte read counted.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Forwards } from '../../../src/openssh/forwards.js';
import type { ProcessResult } from '../../../src/process/result.js';

let dir: string;
const servers: net.Server[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-fwd-'));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  fs.rmSync(dir, { recursive: true, force: true });
});

function result(exitCode: number, stderr = ''): ProcessResult {
  const failure = exitCode === 0 ? '' : `\`ssh -O forward\` exited with code ${exitCode}: ${stderr}`;
  return { command: 'ssh', exitCode, stdout: '', stderr, notFound: false, timedOut: false, failure };
}

/** A fake master: `-O forward -L <socket>:…` listens on <socket> and answers "hi <host:port>". */
function fakeSsh(calls: string[][], fail = false) {
  return async (args: string[]): Promise<ProcessResult> => {
    calls.push(args);
    if (fail) return result(255, 'mux_client_forward: forwarding request failed');
    const spec = args[args.indexOf('-L') + 1] ?? '';
    const socketPath = spec.slice(0, spec.indexOf(':'));
    const server = net.createServer((socket) => socket.end(`hi ${spec.slice(socketPath.length + 1)}`));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return result(0);
  };
}

function read(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

function forwards(calls: string[][], counted: { bytes: number }, fail = false) {
  let next = 0;
  return new Forwards({
    controlPath: path.join(dir, 'm'),
    nextSocketPath: () => path.join(dir, `f${++next}`),
    runSsh: fakeSsh(calls, fail),
    onBytes: (count) => {
      counted.bytes += count;
    },
  });
}

describe('Forwards', () => {
  it('adds one forward per host:port, shared by concurrent first callers', async () => {
    const calls: string[][] = [];
    const counted = { bytes: 0 };
    const set = forwards(calls, counted);
    const streams = await Promise.all([
      set.open('127.0.0.1', 80),
      set.open('127.0.0.1', 80),
      set.open('127.0.0.1', 443),
    ]);
    const texts = await Promise.all(streams.map(read));
    expect(texts).toEqual(['hi 127.0.0.1:80', 'hi 127.0.0.1:80', 'hi 127.0.0.1:443']);
    expect(calls.map((args) => args[args.indexOf('-L') + 1])).toEqual([
      `${dir}/f1:127.0.0.1:80`,
      `${dir}/f2:127.0.0.1:443`,
    ]);
    expect(calls[0]).toContain('forward');
    expect(counted.bytes).toBe(texts.join('').length);
    expect(await read(await set.open('127.0.0.1', 80))).toBe('hi 127.0.0.1:80');
    expect(calls).toHaveLength(2);
  });

  it('reports a forward the master refused as FORWARD, and asks again next time', async () => {
    const calls: string[][] = [];
    const set = forwards(calls, { bytes: 0 }, true);
    await expect(set.open('127.0.0.1', 80)).rejects.toMatchObject({ code: 'FORWARD' });
    await expect(set.open('127.0.0.1', 80)).rejects.toMatchObject({ code: 'FORWARD' });
    expect(calls).toHaveLength(2);
  });
});
