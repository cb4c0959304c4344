// `tunnel status [host] [--json] [--watch]`: what every session is doing, per forward, from the agent.
// Starts the agent only to bring back saved sessions (after a crash or reboot); never starts one for
// nothing. --watch redraws every second until Ctrl-C, and says so when the agent goes away.
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import type { ControlClient } from '../../control/client.js';
import { noAgentDocument, type StatusDocument } from '../../control/status-document.js';
import { describeError } from '../../errors.js';
import { existingAgent } from '../agent-access.js';
import { safeText } from '../render.js';
import { renderStatus, renderStatusWatchFrame } from '../render-status.js';

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
    .option('--watch', 'redraw every second until Ctrl-C')
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
  const color = colorWanted(tty);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let agent = await existingAgent();
  while (!stopped) {
    let frame: string;
    try {
      agent ??= await existingAgent();
      if (!agent) frame = NO_AGENT;
      else {
        const doc = await fetchStatus(agent.client, host);
        frame = flags.json
          ? JSON.stringify(doc)
          : renderStatusWatchFrame(doc, { color, now: new Date(), intervalMs: 1000 });
      }
    } catch (error) {
      agent?.client.close();
      agent = undefined;
      frame = `the agent stopped answering (${safeText(describeError(error))}); retrying…`;
    }
    // Clear and home on a terminal; a pipe gets one frame after another.
    process.stdout.write(tty && !flags.json ? `\x1b[H\x1b[2J${frame}\n` : `${frame}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  agent?.client.close();
}
