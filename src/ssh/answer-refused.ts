// An SSH_AUTH failure after a password or one-time code was actually sent and refused (by either
// transport). The session must not retry such a login on a timer: an unattended reconnect would send
// the same refused answer (an SSH_ASKPASS program's) again and again, and enough failures lock the
// account (pam_faillock). session/answers.ts turns it into SSH_NEEDS_ANSWER for an unattended login.
import { TunnelError, type TunnelErrorOptions } from '../errors.js';

export class AnswerRefusedError extends TunnelError {
  constructor(message: string, options: TunnelErrorOptions = {}) {
    super('SSH_AUTH', message, options);
    this.name = 'AnswerRefusedError';
  }
}

/** Whether this login failed after a password or code was sent and refused. */
export function answerWasRefused(error: unknown): error is AnswerRefusedError {
  return error instanceof AnswerRefusedError;
}
