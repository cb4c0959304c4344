// A second local user (nobody) posing as the agent: it listens on a path we give it and counts the
// connections and bytes it receives, so a test can prove the CLI sent nothing (no passphrase frame).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

export const NOBODY = 65534;

const SCRIPT = `
const fs = require('fs'), net = require('net'), path = require('path');
const [socketPath, makeDir] = process.argv.slice(1);
if (makeDir === 'yes') fs.mkdirSync(path.dirname(socketPath), { mode: 0o777 });
if (makeDir === 'yes') fs.chmodSync(path.dirname(socketPath), 0o777);
let connections = 0, open = 0, bytes = 0, asked = false;
const report = () => { if (asked && open === 0) { asked = false; console.log(JSON.stringify({ connections, bytes })); } };
const server = net.createServer((socket) => {
  connections++; open++;
  socket.on('data', (chunk) => { bytes += chunk.length; });
  socket.on('error', () => {});
  socket.on('close', () => { open--; report(); });
});
server.listen(socketPath, () => { fs.chmodSync(socketPath, 0o777); console.log('ready'); });
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'stats') { asked = true; report(); }
});
`;

export interface Impostor {
  stats(): Promise<{ connections: number; bytes: number }>;
  stop(): Promise<void>;
}

/** Starts the impostor as uid nobody (needs root, setpriv); makeDir: it creates the directory first. */
export async function startImpostor(socketPath: string, makeDir: boolean): Promise<Impostor> {
  const child = spawn(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--',
      process.execPath,
      '-e',
      SCRIPT,
      socketPath,
      makeDir ? 'yes' : 'no',
    ],
    { cwd: '/', stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout });
  const next = async () => (await once(lines, 'line'))[0] as string;
  const first = await Promise.race([next(), once(child, 'exit').then(() => 'exited')]);
  if (first !== 'ready') throw new Error(`impostor did not start: ${first}`);
  return {
    /** Answered once every connection it got is closed, so every byte sent has been counted. */
    async stats() {
      child.stdin.write('stats\n');
      return JSON.parse(await next()) as { connections: number; bytes: number };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      // SIGKILL: a connection a failed test left open must not keep it (and the clean-up) waiting.
      child.kill('SIGKILL');
      await exited;
    },
  };
}
