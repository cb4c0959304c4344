// `tunnel ui [--no-open] [--port <n>]`: the Ports page, served from this process until Ctrl-C (the
// agent keeps no network listener; docs/ui.md says why). Thin: flags, serveUi, the lines it prints.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { serveUi, type UiServeEvent } from '../../ui/serve.js';
import { agentLink } from '../agent-link.js';

interface UiFlags {
  open: boolean;
  port?: string;
}

export function parseUiPort(value: string): number {
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new UsageError(
      `--port ${value}: not a port number`,
      'Give a port from 1 to 65535 (e.g. tunnel ui --port 8765), or leave --port out to take any free one',
    );
  }
  return port;
}

function render(event: UiServeEvent): void {
  if (event.type === 'serving') {
    process.stdout.write(`Ports page: ${event.url}\nServing until Ctrl-C.\n`);
  } else if (event.type === 'open-failed') {
    const next = event.hint ? `${event.hint}; or open the URL above yourself` : 'open the URL above yourself';
    process.stderr.write(`could not open a browser (${event.message}); ${next}\n`);
  }
}

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('the Ports page: every tunnel at a glance, live, in your browser (until Ctrl-C)')
    .option('--no-open', 'print the URL only; do not open a browser')
    .option('--port <n>', 'serve on this port of 127.0.0.1 (default: any free one)')
    .action(async (flags: UiFlags) => {
      const port = flags.port === undefined ? undefined : parseUiPort(flags.port);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await serveUi({ link: agentLink(), port, open: flags.open, signal: stop.signal, onEvent: render });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
