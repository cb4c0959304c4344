// Fire and forget: a program that may start something meant to outlive us (the browser xdg-open or
// `open` starts). Unlike runProcess, no pipes: a browser the opener starts inherits its stdio, and with
// pipes we would wait for the *browser* to close them (measured: `tunnel ui` hung until it quit). Its own
// session (detached): the terminal's Ctrl-C for `tunnel ui` never reaches the browser. Unref'd and never
// killed on our exit or at the limit: past the limit we simply stop waiting for its answer.
import { spawn } from 'node:child_process';
import { commandLine, type ProcessResult } from './result.js';

export interface LaunchRequest {
  /** The program, looked up on PATH. */
  file: string;
  args: readonly string[];
  /** How long to wait for its exit code; past it the result says `timedOut` and it runs on. */
  timeoutMs: number;
}

/** Starts `file args…` detached with stdio ignored; resolves on its exit (or the limit), never rejects. */
export function launchDetached(request: LaunchRequest): Promise<ProcessResult> {
  const command = commandLine(request.file, request.args);
  const base = { command, stdout: '', stderr: '', notFound: false, timedOut: false };
  return new Promise<ProcessResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (result: ProcessResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(request.file, [...request.args], { stdio: 'ignore', detached: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      const notFound = error.code === 'ENOENT';
      const why = notFound ? `${request.file} was not found on PATH` : error.message;
      done({ ...base, exitCode: undefined, notFound, failure: `\`${command}\` could not run: ${why}` });
    });
    child.once('exit', (code, signal) => {
      const failure =
        code === 0
          ? ''
          : signal
            ? `\`${command}\` was killed by ${signal}`
            : `\`${command}\` exited with code ${code}`;
      done({ ...base, exitCode: code ?? undefined, failure });
    });
    child.unref();
    timer = setTimeout(() => {
      done({ ...base, exitCode: undefined, timedOut: true, failure: `\`${command}\` has not finished` });
    }, request.timeoutMs);
    timer.unref();
  });
}
