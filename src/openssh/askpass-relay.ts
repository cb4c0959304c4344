// The other end of bin/tunnel-askpass.mjs: a Unix socket in the private 0700 directory. ssh runs the
// helper (through a two-line sh wrapper, since SSH_ASKPASS must name one executable file) for every
// question; the helper connects once, sends {token, prompt, hint} as one JSON line and prints our answer.
// The token proves the caller is a helper started by our master (or its ProxyJump hops, which inherit its
// environment); one question at a time, as ssh asks them. Answers are written to the helper only, never
// logged. A helper told "no answer" exits 1, and ssh then sends an EMPTY password (readpass.c returns ""
// when askpass fails): so for a secret nobody answers the relay says nothing at all, and lets go of the
// helper only once the ssh that asked is dead (Reply `hold`).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../ssh/remote-command.js';
import type { PrivateDir } from './private-dir.js';
import { type AskpassRequest, classifyPrompt } from './prompts.js';

/**
 * The answer to print; undefined for none (the helper exits 1: ssh skips a key, or says no); or no reply
 * until `hold` settles, then the helper is dropped (see the top of this file).
 */
export type Reply = string | undefined | { hold: Promise<unknown> };
export type AnswerRequest = (request: AskpassRequest) => Promise<Reply>;

export interface AskpassRelay {
  /** Added to the master's environment. */
  readonly env: Record<string, string>;
  close(): void;
}

const MAX_REQUEST = 16 * 1024;
/** A helper that connects and sends nothing is dropped after this. */
const REQUEST_TIMEOUT_MS = 10_000;

export const HELPER_SCRIPT = fileURLToPath(new URL('../../bin/tunnel-askpass.mjs', import.meta.url));

/**
 * The executable SSH_ASKPASS names: this node running the helper, whatever PATH says. Its stderr goes
 * nowhere: a helper inherits the master's stderr, and a pipe held open by a helper still waiting for an
 * answer would hide the master's exit from us.
 */
export function wrapperScript(nodePath: string, helper: string): string {
  return `#!/bin/sh\nexec ${shellQuote(nodePath)} ${shellQuote(helper)} "$@" 2>/dev/null\n`;
}

interface Parsed {
  token: string;
  prompt: string;
  hint: string;
}

export function parseRequest(line: string): Parsed | undefined {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    const { token, prompt, hint } = value;
    if (typeof token !== 'string' || typeof prompt !== 'string' || typeof hint !== 'string') return undefined;
    return { token, prompt, hint };
  } catch {
    return undefined;
  }
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface RelayOptions {
  /** The target's IdentityFile list: which passphrase questions are real (prompts.ts). */
  identityFiles: readonly string[];
}

/** The reply line the helper reads; `hold` sends nothing and drops the helper once it settled. */
function sendReply(socket: net.Socket, reply: Reply): void {
  if (typeof reply === 'object') {
    void reply.hold.finally(() => socket.destroy());
    return;
  }
  if (!socket.destroyed) socket.end(`${JSON.stringify(reply === undefined ? {} : { answer: reply })}\n`);
}

export async function startAskpassRelay(
  dir: PrivateDir,
  answer: AnswerRequest,
  options: RelayOptions,
): Promise<AskpassRelay> {
  const token = randomBytes(24).toString('hex');
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const serve = (socket: net.Socket, line: string) => {
    const request = parseRequest(line);
    if (!request || !sameToken(request.token, token)) return socket.destroy();
    socket.setTimeout(0); // A person may take their time to answer.
    const asked = classifyPrompt(request.prompt, request.hint, options.identityFiles);
    // One question at a time: ssh asks in order, a ProxyJump hop's question waits for the master's. By
    // its turn the login may be over (relay closed) or its ssh gone (helper socket closed): nobody is asked.
    const answered = queue
      .then((): Promise<Reply> | undefined => (closed || socket.destroyed ? undefined : answer(asked)))
      .catch(() => undefined);
    queue = answered;
    void answered.then((reply) => sendReply(socket, reply));
  };
  // Closing drops every helper still waiting (it exits 1). Callers close only once the master's process
  // group is dead or the login is over (master.ts), so no ssh is left to take that for an empty answer.
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    let buffered = '';
    socket.setEncoding('utf8');
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      if (!buffered.includes('\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: string) => {
      if (buffered.includes('\n')) return;
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) serve(socket, buffered.slice(0, end));
      else if (buffered.length > MAX_REQUEST) socket.destroy();
    });
  });
  const close = () => {
    closed = true;
    server.close();
    for (const socket of open) socket.destroy();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(dir.relayPath, () => resolve());
  });
  try {
    await fs.writeFile(dir.wrapperPath, wrapperScript(process.execPath, HELPER_SCRIPT), { mode: 0o700 });
  } catch (error) {
    close();
    throw error;
  }
  return {
    env: {
      SSH_ASKPASS: dir.wrapperPath,
      SSH_ASKPASS_REQUIRE: 'force',
      TUNNEL_ASKPASS_SOCKET: dir.relayPath,
      TUNNEL_ASKPASS_TOKEN: token,
    },
    close,
  };
}
