// POST /<token>/api/{reconnect,disconnect} with {"host": "<alias>"}: the body read within its bound,
// the call made through the AgentLink, and every outcome an ActionReply the page shows as it is.
import type { IncomingMessage } from 'node:http';
import { describeError, isTunnelError } from '../errors.js';
import type { ActionReply, AgentLink, UiAction } from './types.js';

export const MAX_ACTION_BODY_BYTES = 4096;

/** route (after /<token>/) → action. A Map: `constructor` or `__proto__` must name no action. */
export const ACTION_ROUTES: ReadonlyMap<string, UiAction> = new Map([
  ['api/reconnect', 'reconnect'],
  ['api/disconnect', 'disconnect'],
]);

export interface ActionOutcome {
  status: number;
  reply: ActionReply;
}

const refuse = (status: number, message: string, hint: string | null): ActionOutcome => ({
  status,
  reply: { ok: false, message, hint },
});

/** The body, or undefined when it is longer than the bound (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ACTION_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The host named by a body, or why the body is not one. */
export function parseActionBody(text: string): { host: string } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  const host = (value as { host?: unknown } | null)?.host;
  if (typeof host !== 'string' || !/^[^\s\p{Cc}]{1,255}$/u.test(host)) {
    return { problem: 'the body must be {"host": "<ssh alias>"}' };
  }
  return { host };
}

export async function runAction(
  action: UiAction,
  request: IncomingMessage,
  link: AgentLink,
): Promise<ActionOutcome> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return refuse(415, 'an action takes a JSON body', 'send Content-Type: application/json');
  }
  const text = await readBody(request);
  if (text === undefined) return refuse(413, `the body is over ${MAX_ACTION_BODY_BYTES} bytes`, null);
  const body = parseActionBody(text);
  if ('problem' in body) return refuse(400, body.problem, null);
  try {
    return { status: 200, reply: { ok: true, message: await call(action, body.host, link) } };
  } catch (error) {
    return refuse(statusOf(error), describeError(error), isTunnelError(error) ? (error.hint ?? null) : null);
  }
}

async function call(action: UiAction, host: string, link: AgentLink): Promise<string> {
  switch (action) {
    case 'disconnect':
      await link.disconnect(host);
      return `${host}: disconnected; its kube contexts are removed`;
    case 'reconnect': {
      const { refreshed } = await link.reconnect(host);
      return refreshed
        ? `${host}: reading its clusters again now`
        : `${host}: not connected; trying again now`;
    }
    default: {
      const never: never = action; // A new UiAction must be handled here, never fall to another one.
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}

/** STATE (no such session, or not now) is the request's fault, AGENT the agent's absence; else ours. */
function statusOf(error: unknown): number {
  if (!isTunnelError(error)) return 500;
  if (error.code === 'STATE' || error.code === 'BAD_INPUT') return 409;
  if (error.code === 'AGENT') return 503;
  return 502;
}
