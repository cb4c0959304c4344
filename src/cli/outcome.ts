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
