// `tunnel demo` (also `npm run demo`): the newcomer's first command. Starts a pretend dev server in this
// process and runs the real tunnel against it, narrated, then removes every trace. Needs no server, root,
// sshd or Docker; the kubectl step needs kubectl (and openssl for the certificates), else it is skipped.
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import { runDemo } from '../../demo/run.js';
import { InterruptedError } from '../../errors.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('see tunnel work in a few seconds, against a pretend dev server (changes nothing of yours)')
    .action(async () => {
      // Ctrl-C stops the demo after the command it is running (that one is not interrupted: see
      // demo/steps.ts runProgram), then everything is cleaned up; more Ctrl-Cs do not cut the clean-up short.
      const interrupt = new AbortController();
      const onInterrupt = () => {
        if (!interrupt.signal.aborted) process.stderr.write('\ninterrupted: cleaning up…\n');
        interrupt.abort();
      };
      process.on('SIGINT', onInterrupt);
      try {
        await runDemo(
          { write: (text) => process.stdout.write(text), color: colorWanted(process.stdout.isTTY) },
          interrupt.signal,
        );
      } catch (error) {
        // Only the interruption itself is replaced: a step or the clean-up that failed says so.
        if (error !== interrupt.signal.reason) throw error;
        throw new InterruptedError('demo interrupted; everything it started was stopped and removed');
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}
