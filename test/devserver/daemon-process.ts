// Runs world-daemon.mjs as a child (inside the dev server's namespace when there is one) and turns its JSON
// event lines into promises. The test owns the process: stop() kills it by pid; stdin is a pipe so the
// daemon also exits if the test process dies without cleaning up.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const DAEMON_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'world-daemon.mjs');

export interface ListenerSpec {
  cluster: string;
  generation: string;
  kind: 'api' | 'service';
  containerPort: number;
  hostPort: number;
  /** Bind address inside the dev server ('::' = all interfaces, dual stack); a node's address for a node listener. */
  address: string;
  /** A listener on a node address (node-listeners.mjs): the node's container name. */
  node?: string;
  /** On a port a wildcard host listener holds: not bound, fed the connections to this address by that listener. */
  shadowed?: boolean;
}

export interface DaemonReport {
  /** 'patched': after a PATCH through the API (kube-proxy follows it on the node addresses). */
  event: 'ready' | 'reloaded' | 'patched';
  /** The published host ports. */
  listening: ListenerSpec[];
  /** On the nodes' addresses (netns mode, engine local and rootful): NodePorts, LB ports, the API on servers. */
  nodeListening: ListenerSpec[];
  /** A listener that could not bind, or an `ip` command on a node address/bridge that failed. */
  errors: ((ListenerSpec | { kind: 'node-address'; address: string }) & { error: string })[];
}

export interface DaemonHandle {
  pid(): number | undefined;
  /** SIGHUP, then the daemon's report of the listeners it now holds. */
  reload(): Promise<DaemonReport>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  worldFile: string;
  pidFile: string;
  logFile: string;
  mode: 'netns' | 'loopback';
  netns?: string;
}

export async function startDaemon(
  options: DaemonOptions,
  timeoutMs = 15_000,
): Promise<{ handle: DaemonHandle; ready: DaemonReport }> {
  const argv = [process.execPath, DAEMON_SCRIPT, '--world', options.worldFile, '--mode', options.mode];
  argv.push('--pid-file', options.pidFile, '--watch-stdin');
  // `ip netns exec` execs the command, so the child's pid is the daemon's pid.
  const command = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const log = fs.openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', log] });
  fs.closeSync(log);
  const waiters: { event: string; resolve: (report: DaemonReport) => void }[] = [];
  let exited: Error | undefined;
  const rejectors = new Set<(error: Error) => void>();
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let report: DaemonReport;
    try {
      report = JSON.parse(line) as DaemonReport;
    } catch {
      return; // not an event line: ignore rather than fail the test on stray output
    }
    const index = waiters.findIndex((waiter) => waiter.event === report.event);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(report);
  });
  child.once('exit', (code, signal) => {
    exited = new Error(
      `world daemon exited (${signal ?? code}); log: ${options.logFile}\n${readLog(options.logFile)}`,
    );
    for (const reject of rejectors) reject(exited);
  });

  const next = (event: DaemonReport['event']): Promise<DaemonReport> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const timer = setTimeout(
        () => reject(new Error(`world daemon: no '${event}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      rejectors.add(reject);
      waiters.push({
        event,
        resolve: (report) => {
          clearTimeout(timer);
          rejectors.delete(reject);
          resolve(report);
        },
      });
    });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  };

  const handle: DaemonHandle = {
    pid: () => child.pid,
    reload: async () => {
      const report = next('reloaded');
      child.kill('SIGHUP');
      return await report;
    },
    stop,
  };
  try {
    return { handle, ready: await next('ready') };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
