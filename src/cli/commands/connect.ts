// `tunnel connect <host>`: hand the host to the background agent, which forwards every k3d port and
// keeps the kubeconfig in line until `tunnel disconnect`; returns once the forwards listen. With
// --foreground the same supervised session runs in this process until Ctrl-C.
import type { Command } from 'commander';
import { connectSession } from '../../agent/connect-session.js';
import { foregroundSession } from '../../agent/foreground.js';
import { DEFAULT_BIND_ADDRESS, DEFAULT_CONTEXT_TEMPLATE } from '../../config/defaults.js';
import { type ConnectFlags, isLoopback, type SessionOptions } from '../../config/resolve.js';
import { serializeOptions } from '../../control/session-options.js';
import { TunnelError } from '../../errors.js';
import { stderrLogger } from '../../log.js';
import { peekStatus, requireAgent } from '../agent-access.js';
import { addSettingsOptions, resolveConnectOptions } from '../connect-settings.js';
import { collect } from '../options.js';
import { CommandExit, interruptSignal } from '../outcome.js';
import { safeText } from '../render.js';
import { renderConnected } from '../render-connect.js';
import { terminalInteraction } from '../terminal.js';

interface ConnectCliFlags extends ConnectFlags {
  foreground?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** Long enough for a slow first connect, a host-key question and a passphrase. */
const CONNECT_TIMEOUT_MS = 120_000;

export function registerConnect(program: Command): void {
  const connect = program
    .command('connect')
    .description('forward every k3d cluster port of a dev server and write the kubeconfig')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--foreground', 'run the session in this process; Ctrl-C stops it')
    .option('--cluster <name>', 'only this cluster (repeatable)', collect, [])
    .option(
      '--map <remote:local>',
      'pin a local port, e.g. --map 8080:18080, or for a Service --map monitoring/grafana:3000:13000 (repeatable)',
      collect,
      [],
    )
    .option('--bind <address>', 'local address to listen on', DEFAULT_BIND_ADDRESS)
    .option('--kubeconfig <file>', 'write a standalone kubeconfig file instead of merging')
    .option('--no-kubeconfig', 'do not write any kubeconfig')
    .option('--switch-context', 'make the first cluster the current kube context')
    .option(
      '--context-name <template>',
      'kube context name; {cluster} and {host} are replaced',
      DEFAULT_CONTEXT_TEMPLATE,
    )
    .option(
      '--accept-new-host-key',
      'trust and record an unknown host key (like StrictHostKeyChecking=accept-new)',
    )
    .option(
      '--json',
      "print {status, reused, replaced} as JSON: status is the session's entry of the status document (docs/status-json.md)",
    )
    .option('-v, --verbose', 'log progress to stderr (with --foreground)');
  addSettingsOptions(connect).action(runConnect);
}

async function runConnect(host: string, flags: ConnectCliFlags, command: Command): Promise<void> {
  // The Command, not its values: options left at their defaults must not hide saved settings.
  const { options, saved, settingsFile } = await resolveConnectOptions(host, command);
  if (saved.length > 0) process.stderr.write(`saved ${saved.join(', ')} for ${host} in ${settingsFile}\n`);
  warnIfExposed(options.bindAddress);
  const color = process.stdout.isTTY === true;
  if (flags.foreground) await runForeground(options, flags, color);
  else await runInBackground(options, flags, color);
}

async function runInBackground(options: SessionOptions, flags: ConnectCliFlags, color: boolean) {
  const host = options.alias;
  // Ctrl-C or a failure: connectSession abandons the request and stops the agent it started.
  const interrupt = interruptSignal();
  try {
    const { value: reply, hello } = await connectSession({
      reach: () => requireAgent(terminalInteraction()),
      signal: interrupt.signal,
      interrupted: `connect ${host} interrupted`,
      options: serializeOptions(options),
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderConnected(reply.status, { color, now: new Date() })}\n`);
    const how = reply.reused ? 'already forwarding' : 'forwarding';
    process.stdout.write(
      `${how} in the background (agent pid ${hello.pid}); see it with: tunnel status ${host}; stop it with: tunnel disconnect ${host}\n`,
    );
  } finally {
    interrupt.dispose();
  }
}

function warnIfExposed(bindAddress: string): void {
  if (isLoopback(bindAddress)) return;
  process.stderr.write(
    `warning: listening on ${bindAddress}: other machines that reach this address can use the forwards (and your cluster's API).\n`,
  );
}

/** A foreground session next to the agent's session for the same host would fight it for every port. */
async function refuseIfInBackground(host: string): Promise<void> {
  const doc = await peekStatus();
  if (doc?.sessions.some((session) => session.host === host)) {
    throw new TunnelError('STATE', `${host} is already connected in the background`, {
      hint: `Stop it first with: tunnel disconnect ${host} (or see it with: tunnel status ${host})`,
    });
  }
}

async function runForeground(options: SessionOptions, flags: ConnectCliFlags, color: boolean): Promise<void> {
  await refuseIfInBackground(options.alias);
  const session = foregroundSession({
    options,
    interaction: terminalInteraction(),
    log: stderrLogger(flags.verbose === true),
    onEvent: (event) => {
      if (event.kind === 'forwarding-again') process.stderr.write('forwarding again\n');
      else if (event.kind === 'needs-answer')
        process.stderr.write(
          `waiting for you: ${safeText(event.error ?? 'the login needs an answer')}; not retrying by itself (that could lock the account): stop with Ctrl-C and connect again\n`,
        );
      // The last error may quote the server (its DISCONNECT text, sent before any key is checked).
      else
        process.stderr.write(
          `reconnecting (${safeText(event.error ?? 'connection lost')}); next try at ${event.nextAttemptAt}\n`,
        );
    },
  });
  let stopWith: (outcome: string) => void = () => {};
  const stop = new Promise<string>((resolve) => {
    stopWith = resolve;
  });
  const onInterrupt = () => stopWith('interrupted');
  const onTerminate = () => stopWith('terminated');
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onTerminate);
  try {
    const status = await Promise.race([session.start(), stop.then(() => undefined)]);
    if (status) {
      // The same shape as the agent's connect reply, so scripts read one document either way; the
      // words for the person go to stderr, so stdout stays that one JSON document with --json.
      const json = { status, reused: false, replaced: false };
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(json, null, 2)}\n`
          : `${renderConnected(status, { color, now: new Date() })}\n`,
      );
      process.stderr.write('forwarding; reconnects by itself; press Ctrl-C to stop\n');
    }
    const outcome = await stop;
    await session.stop();
    process.stderr.write(`${outcome}; forwards closed\n`);
  } finally {
    // A start that failed must not leave our listeners in place (they would swallow a later Ctrl-C).
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
  }
  // ssh2's graceful close would keep the process around for a second for nothing.
  throw new CommandExit(0, { immediate: true });
}
