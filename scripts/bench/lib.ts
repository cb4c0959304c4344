// Small pieces shared by the bench measurements: the blast-server client side, statistics, CPU accounting
// from /proc, and waiting for ports. No measurement logic here.
import fs from 'node:fs';
import net from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export const MIB = 1024 * 1024;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function open(endpoint: Endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...endpoint, noDelay: true, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** MiB/s from connect to EOF of `bytes` sent by the blast server. */
export async function download(endpoint: Endpoint, bytes: number): Promise<number> {
  const started = process.hrtime.bigint();
  const socket = await open(endpoint);
  socket.write(`D${bytes}\n`);
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  socket.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (received !== bytes) throw new Error(`download: received ${received} of ${bytes} bytes`);
  return bytes / MIB / seconds;
}

/** MiB/s from connect until the blast server confirms it counted all `bytes`. */
export async function upload(endpoint: Endpoint, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(MIB);
  const started = process.hrtime.bigint();
  const socket = await open(endpoint);
  const reply = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.on('data', (data: Buffer) => {
      text += data.toString();
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  socket.write('U\n');
  let left = bytes;
  while (left > 0) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  const counted = Number((await reply).trim());
  socket.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (counted !== bytes) throw new Error(`upload: server counted ${counted} of ${bytes} bytes`);
  return bytes / MIB / seconds;
}

/** Milliseconds from connect() to the first byte of the reply to `P`; the connection is closed after. */
export async function timeToFirstByte(endpoint: Endpoint, timeoutMs = 5000): Promise<number> {
  const started = process.hrtime.bigint();
  const socket = net.connect({ ...endpoint, noDelay: true });
  try {
    socket.write('P\n');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no first byte')), timeoutMs);
      socket.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('end', () => {
        clearTimeout(timer);
        reject(new Error('closed before the first byte'));
      });
    });
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    socket.destroy();
  }
}

/** Opens a connection that got its `p` and stays open (for footprint); the caller destroys it. */
export async function holdOpen(endpoint: Endpoint): Promise<net.Socket> {
  const socket = await open(endpoint);
  socket.write('P\n');
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  return socket;
}

export async function waitForPort(endpoint: Endpoint, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const probe = net.connect(endpoint, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${endpoint.host}:${endpoint.port}`);
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const TICKS_PER_SECOND = 100;

/** utime + stime of one process in seconds (0 if it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The pid and every live descendant of it (from /proc/<pid>/stat's ppid). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited while we listed.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** CPU seconds of a process tree; children that already exited are missed, so sample while they live. */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

/** The command line of a process as its argv (empty when it is gone). */
function argv(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * RSS of an agent and of the `ssh -M` masters among its descendants (the OpenSSH transport's; an ssh2
 * agent has none). Short-lived children (`ssh -O check`, a ping, `ssh -G`) come and go between samples,
 * so they are left out: only what holds the forwards is counted.
 */
export function forwarderRssMiB(agent: number): number {
  return processTree(agent).reduce((sum, pid) => {
    if (pid !== agent && !argv(pid).includes('-M')) return sum;
    try {
      return sum + rssMiB(pid);
    } catch {
      return sum; // Exited while we summed.
    }
  }, 0);
}
