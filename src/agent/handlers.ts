// The control requests, answered by the agent's sessions. Each handler turns a typed request into a
// call on Agent and its result into the documented reply; failures travel back as TunnelErrors.
import { agentLogFile } from '../config/paths.js';
import type { DisconnectResult } from '../control/protocol.js';
import type { Handlers, RequestContext } from '../control/server.js';
import { deserializeOptions } from '../control/session-options.js';
import { STATUS_SCHEMA_VERSION } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import { TunnelError } from '../errors.js';
import { MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS, questionText } from '../redact.js';
import { VERSION } from '../version.js';
import type { Agent } from './agent.js';

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

export function agentHandlers(input: HandlerContext): Handlers {
  const { agent } = input;
  return {
    status: (request) => ({
      schemaVersion: STATUS_SCHEMA_VERSION,
      agent: {
        pid: process.pid,
        version: VERSION,
        startedAt: input.startedAt,
        socketPath: input.socketPath,
        logFile: agentLogFile(),
      },
      sessions: agent.status(request.host),
    }),
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
