// The control requests, answered by the agent's sessions. Each handler turns a typed request into a
// call on Agent and its result into the documented reply; failures travel back as TunnelErrors.
import { agentLogFile } from '../config/paths.js';
import type { DisconnectResult, RequestOf } from '../control/protocol.js';
import type { Handlers, RequestContext } from '../control/server.js';
import { deserializeOptions } from '../control/session-options.js';
import {
  type SessionStatus,
  STATUS_SCHEMA_VERSION,
  type StatusDocument,
} from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import { TunnelError } from '../errors.js';
import { MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS, questionText } from '../redact.js';
import { VERSION } from '../version.js';
import type { Agent } from './agent.js';
import { watchInterval } from './status-feed.js';

export interface HandlerContext {
  agent: Agent;
  socketPath: string;
  startedAt: string;
  /** Called after the reply to `shutdown` has been written. */
  requestShutdown: (reason: string) => void;
}

/** Questions for the person at the CLI that sent the request. */
function relayed(context: RequestContext): Interaction {
  return {
    confirm: async (question) => (await context.ask('confirm', question)) === true,
    askPassphrase: async (file) => {
      const answer = await context.ask('passphrase', file);
      return typeof answer === 'string' ? answer : undefined;
    },
    // The server's words, made safe and bounded before they leave (the CLI refuses longer ones).
    askSecret: async (question) => {
      const prompt = questionText(question.prompt, MAX_PROMPT_CHARS);
      const instructions = question.instructions
        ? questionText(question.instructions, MAX_INSTRUCTIONS_CHARS)
        : undefined;
      const answer = await context.ask(question.echo ? 'text' : 'secret', prompt, instructions);
      return typeof answer === 'string' ? answer : undefined;
    },
  };
}

function statusDocument(input: HandlerContext, sessions: SessionStatus[]): StatusDocument {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    agent: {
      pid: process.pid,
      version: VERSION,
      startedAt: input.startedAt,
      socketPath: input.socketPath,
      logFile: agentLogFile(),
    },
    sessions,
  };
}

/**
 * A `watch`: an update at once, then one per change (the agent's status feed decides when), until the
 * CLI's connection closes or the agent stops (then the reply `{}` ends it).
 */
async function watch(
  input: HandlerContext,
  request: RequestOf<'watch'>,
  context: RequestContext,
): Promise<Record<never, never>> {
  const { agent } = input;
  await agent.restored();
  const { host } = request;
  // An unknown host at the start is the error `status` gives; later, a session that goes is just absent.
  if (host !== undefined) agent.status(host);
  const sessions = () =>
    host === undefined ? agent.status() : agent.status().filter((s) => s.host === host);
  return new Promise((resolve) => {
    let seq = 0;
    let unsubscribe = () => {};
    const finish = () => {
      unsubscribe();
      context.signal.removeEventListener('abort', finish);
      resolve({});
    };
    unsubscribe = agent.feed.subscribe({
      minIntervalMs: watchInterval(request.minIntervalMs),
      build: () => statusDocument(input, sessions()),
      send: (document) => context.push({ seq: ++seq, document }),
      end: finish,
    });
    if (context.signal.aborted) finish();
    else context.signal.addEventListener('abort', finish, { once: true });
  });
}

export function agentHandlers(input: HandlerContext): Handlers {
  const { agent } = input;
  return {
    // Saved sessions still coming back (the session layer loads) are waited for, never reported absent:
    // a CLI that just started the agent asks at once.
    status: async (request) => {
      await agent.restored();
      return statusDocument(input, agent.status(request.host));
    },
    watch: (request, context) => watch(input, request, context),
    connect: async (request, context) => {
      const options = deserializeOptions(request.options);
      return await agent.connect(options, relayed(context), context.signal);
    },
    rediscover: async (request) => {
      const { refreshed } = await agent.rediscover(request.host);
      const [status] = agent.status(request.host);
      if (!status) throw new Error(`session ${request.host} vanished during re-discovery`);
      return { refreshed, status };
    },
    disconnect: async (request) => {
      const { target, keepKubeconfig } = request;
      await agent.restored();
      const hosts = 'all' in target ? agent.hosts() : [target.host];
      const disconnected: DisconnectResult[] = [];
      for (const host of hosts) disconnected.push(await agent.disconnect(host, keepKubeconfig));
      return { disconnected };
    },
    shutdown: (request) => {
      // ifIdle: the agent, not the CLI, decides whether it is idle (a connect may be arriving right now).
      if (request.ifIdle === true && !agent.claimIdleStop()) {
        throw new TunnelError(
          'STATE',
          'the agent is in use (a session, or a connect under way): it keeps running',
        );
      }
      // After this reply is on its way: the CLI waits for our pid to go, not for the socket to close.
      setImmediate(() => input.requestShutdown('shutdown requested by the CLI'));
      return {};
    },
  };
}
