// How a command ends with an exit code other than 0 when its output already said what happened (a report
// that is not ok, an interruption): it throws a CommandExit and cli/main.ts, the only place that sets exit
// codes, maps it without printing anything more. `immediate`: exit without waiting for open handles
// (ssh2's graceful close, a push still unwinding after a second Ctrl-C).
export class CommandExit extends Error {
  readonly code: number;
  readonly immediate: boolean;

  constructor(code: number, options: { immediate?: boolean } = {}) {
    super(`exit ${code}`);
    this.name = 'CommandExit';
    this.code = code;
    this.immediate = options.immediate === true;
  }
}

/**
 * Ctrl-C (SIGINT) as an AbortSignal for the time a command runs: while installed, SIGINT no longer kills
 * the process, so the command can clean up and say so. dispose() gives SIGINT back.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) };
}
