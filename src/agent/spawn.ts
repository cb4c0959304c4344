// Starts the detached session process and stays with it until it reports ready or failed, relaying its
// questions (unknown host key, passphrase) to the person at this terminal.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionOptions } from '../config/resolve.js';
import { TunnelError } from '../errors.js';
import type { Interaction, SessionReport } from '../session/session.js';
import { type ChildMessage, type ParentMessage, serializeOptions } from './ipc.js';
import { sessionLogFile } from './registry.js';

export interface StartedSession {
  pid: number;
  logFile: string;
  report: SessionReport;
}

const binPath = fileURLToPath(new URL('../../bin/tunnel.js', import.meta.url));

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function startDetachedSession(
  options: SessionOptions,
  interaction: Interaction,
): Promise<StartedSession> {
  const logFile = sessionLogFile(options.alias);
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  // The child's stderr goes to a file so a crash before its own logger is up still leaves a trace.
  const stderrFile = `${logFile}.stderr`;
  const stderr = fs.openSync(stderrFile, 'a', 0o600);
  const child = spawn(process.execPath, [binPath, '__session'], {
    detached: true,
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  fs.closeSync(stderr);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error, value?: StartedSession) => {
      if (settled) return;
      settled = true;
      if (child.connected) child.disconnect();
      child.unref();
      if (error) reject(error);
      else resolve(value!);
    };
    const answer = (message: ParentMessage) => {
      if (child.connected) child.send(message);
    };
    child.on('message', async (message: ChildMessage) => {
      if (message.type === 'ready') finish(undefined, { pid: message.pid, logFile, report: message.report });
      if (message.type === 'failed') {
        const { code, message: text, hint } = message.error;
        finish(new TunnelError(code ?? 'INTERNAL', text, { hint }));
      }
      if (message.type === 'ask') {
        const value =
          message.kind === 'confirm'
            ? await interaction.confirm?.(message.text)
            : await interaction.askPassphrase?.(message.text);
        answer({ type: 'answer', id: message.id, value });
      }
    });
    child.once('exit', (code, signal) => {
      const detail = tail(stderrFile) || tail(logFile);
      finish(
        new TunnelError(
          'INTERNAL',
          `the session process exited before it was ready (${signal ?? `code ${code}`})`,
          {
            hint: detail ? `Its last output:\n${detail}` : `See ${logFile}`,
          },
        ),
      );
    });
    child.once('error', (error) => finish(error));
    child.send({ type: 'start', options: serializeOptions(options) } satisfies ParentMessage);
  });
}
