// `tunnel status [host] [--json] [--watch]`: what every session is doing, per forward, from the agent.
// Starts the agent only to bring back saved sessions (after a crash or reboot); never starts one for
// nothing. --watch draws each change the agent pushes until Ctrl-C (cli/status-watch.ts).
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import type { ControlClient } from '../../control/client.js';
import { noAgentDocument, type StatusDocument } from '../../control/status-document.js';
import { existingAgent, runningAgent } from '../agent-access.js';
import { renderStatus } from '../render-status.js';
import { watchStatus } from '../status-watch.js';

interface StatusFlags {
  json?: boolean;
  watch?: boolean;
}

const NO_AGENT = 'No sessions: the tunnel agent is not running. Start one with: tunnel connect <host>';

async function fetchStatus(client: ControlClient, host: string | undefined): Promise<StatusDocument> {
  return await client.request('status', host === undefined ? {} : { host });
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show every session and forward, with health and counters')
    .argument('[host]', 'only this session')
    .option('--json', 'print the status document as JSON (see docs/status-json.md)')
    .option('--watch', 'redraw on every change the agent reports, until Ctrl-C')
    .action(async (host: string | undefined, flags: StatusFlags) => {
      if (flags.watch) {
        await watch(host, flags);
        return;
      }
      const agent = await existingAgent();
      if (!agent) {
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(noAgentDocument(), null, 2)}\n`);
        } else process.stdout.write(`${NO_AGENT}\n`);
        return;
      }
      try {
        const doc = await fetchStatus(agent.client, host);
        const color = colorWanted(process.stdout.isTTY);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(doc, null, 2)}\n`
            : `${renderStatus(doc, { color, now: new Date() })}\n`,
        );
      } finally {
        agent.client.close();
      }
    });
}

async function watch(host: string | undefined, flags: StatusFlags): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    await watchStatus(
      { host, json: flags.json === true, tty, color: colorWanted(tty), signal: stop.signal },
      {
        reach: (first) => (first ? existingAgent() : runningAgent()),
        sleep: abortableSleep,
        every: (ms, callback) => {
          const timer = setInterval(callback, ms);
          return () => clearInterval(timer);
        },
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        now: () => new Date(),
      },
    );
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
