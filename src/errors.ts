// Errors the user sees. Every failure we expect carries a stable code, what happened (message),
// the likely cause and the next command to run (hint). Only src/cli/main.ts renders them.

// A runtime list too, so the control protocol can check a code that crossed a socket.
export const ERROR_CODES = [
  'BAD_INPUT',
  'SSH_CONFIG',
  'SSH_CONNECT',
  'SSH_AUTH',
  // The login needs a person (password, one-time code, passphrase) and nobody can answer now.
  'SSH_NEEDS_ANSWER',
  // ssh2 cannot do what this host needs (no common algorithm, a certificate, an sk key): OpenSSH can.
  'SSH_UNSUPPORTED',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REVOKED',
  'HOST_KEY_UNKNOWN',
  'REMOTE_COMMAND',
  'K3D_MISSING',
  'DOCKER_MISSING',
  'K3D_OUTPUT',
  'CLUSTER_NOT_FOUND',
  'IMAGE',
  'KUBECONFIG',
  'KUBE_API',
  'PORT',
  'FORWARD',
  'STATE',
  'SETTINGS',
  'AGENT',
  'PROTOCOL',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TunnelErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class TunnelError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: TunnelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TunnelError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Bad user input: a malformed flag, port spec, cluster name… Exit code 2. */
export class UsageError extends TunnelError {
  constructor(message: string, hint?: string) {
    super('BAD_INPUT', message, { hint });
    this.name = 'UsageError';
  }
}

/** The user interrupted the command (Ctrl-C): main.ts prints the message and exits 130. */
export class InterruptedError extends TunnelError {
  constructor(message: string, hint?: string) {
    super('STATE', message, { hint });
    this.name = 'InterruptedError';
  }
}

export function isTunnelError(error: unknown): error is TunnelError {
  return error instanceof TunnelError;
}

/** A short, single-line description of any thrown value, for logs and `lastError` fields. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
