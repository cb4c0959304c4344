// The ProxyCommand as ssh2's socket, with real commands: bytes both ways through the child's pipes, the
// socket ending when the command exits (with its stderr kept), and the command killed when the socket is
// destroyed (checked by its pid).
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/agent/process.js';
import { spawnProxyCommand } from '../../../src/ssh/proxy-command.js';
import { sshTarget } from '../../builders.js';

const sockets: Duplex[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

async function proxy(command: string) {
  const opened = await spawnProxyCommand(sshTarget({ proxyCommand: command }));
  sockets.push(opened.socket);
  return opened;
}

function readAll(socket: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

describe('spawnProxyCommand', () => {
  it('carries 4 MiB both ways intact through the command (cat), and ends when it exits', async () => {
    const { socket } = await proxy('cat');
    const payload = randomBytes(4 * 1024 * 1024);
    const echoed = readAll(socket);
    socket.end(payload);
    expect((await echoed).equals(payload)).toBe(true);
  });

  it("keeps the command's stderr for the error message", async () => {
    const { socket, stderrTail } = await proxy('echo "jump: Connection refused" >&2; exit 255');
    // A command that exits at once may close its stdin before the socket's writable side finishes
    // ("Premature close"): the error message is built from the stderr either way.
    socket.on('error', () => {});
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    // stderr is a pipe of its own: it may land just after stdout's end.
    await expect.poll(() => stderrTail(), { timeout: 10_000 }).toBe('jump: Connection refused');
  });

  it('kills the command when the socket is destroyed', async () => {
    // The proxy prints its pid (the shell, which then becomes sleep) and never exits by itself.
    const { socket, stderrTail } = await proxy("sh -c 'echo $$ >&2; exec sleep 30'");
    await expect.poll(() => stderrTail(), { timeout: 10_000 }).toMatch(/^\d+$/);
    const pid = Number(stderrTail());
    expect(isAlive(pid)).toBe(true);
    socket.destroy();
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  });
});
