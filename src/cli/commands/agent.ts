// `tunnel agent status | start | stop` (and install/uninstall, agent-login.ts): the per-user
// background process that holds every session. Stopping it keeps the sessions saved; they come back
// with `tunnel agent start` or the next `tunnel connect`.
import fs from 'node:fs';
import type { Command } from 'commander';
import { ensureAgent, stopAgent } from '../../agent/autostart.js';
import { type LoginItemHealth, loginItemLine } from '../../agent/login-item-health.js';
import { hasSavedSessions } from '../../agent/store.js';
import { agentLogFile, agentStoppedMarker, controlSocketPath } from '../../config/paths.js';
import { VERSION } from '../../version.js';
import { peekStatus } from '../agent-access.js';
import { formatAge } from '../format.js';
import { describeLoginItem } from './agent-login.js';

interface AgentInfo {
  running: boolean;
  pid: number | null;
  version: string | null;
  startedAt: string | null;
  sessions: string[];
  socketPath: string;
  logFile: string;
  /**
   * Whether `tunnel agent install` set it to start at login, and what would stop it starting (a program
   * that is gone, launchd not having it loaded, switched off in Login Items); null where unsupported.
   */
  loginItem: LoginItemHealth | null;
}

async function agentInfo(): Promise<AgentInfo> {
  const base = {
    socketPath: controlSocketPath(),
    logFile: agentLogFile(),
    loginItem: (await describeLoginItem()) ?? null,
  };
  const doc = await peekStatus();
  if (!doc) return { running: false, pid: null, version: null, startedAt: null, sessions: [], ...base };
  return {
    running: true,
    pid: doc.agent.pid,
    version: doc.agent.version,
    startedAt: doc.agent.startedAt,
    sessions: doc.sessions.map((session) => session.host),
    ...base,
  };
}

function loginLine(info: AgentInfo): string {
  return info.loginItem ? `${loginItemLine(info.loginItem)}\n` : '';
}

export function registerAgent(program: Command): Command {
  const agent = program.command('agent').description('the background agent that holds the sessions');
  agent
    .command('status')
    .description('whether the agent runs, its pid, version and sessions')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }) => {
      const info = await agentInfo();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      if (!info.running) {
        const saved = hasSavedSessions() ? ' (sessions are saved: tunnel agent start brings them back)' : '';
        process.stdout.write(`agent: not running${saved}\n${loginLine(info)}`);
        return;
      }
      const up = info.startedAt ? `, up ${formatAge(Date.now() - Date.parse(info.startedAt))}` : '';
      const stale =
        info.version === VERSION ? '' : ` (this CLI is ${VERSION}: the next tunnel connect replaces it)`;
      process.stdout.write(
        `agent: running, version ${info.version}${stale}, pid ${info.pid}${up}\n` +
          `sessions: ${info.sessions.length > 0 ? info.sessions.join(', ') : 'none'}\n` +
          `socket: ${info.socketPath}\nlog: ${info.logFile}\n${loginLine(info)}`,
      );
    });
  agent
    .command('start')
    .description('start the agent (and the saved sessions) now')
    .action(async () => {
      fs.rmSync(agentStoppedMarker(), { force: true });
      const started = await ensureAgent({ start: true });
      process.stdout.write(
        started?.started
          ? `agent started (pid ${started.hello.pid})\n`
          : `agent already running (pid ${started?.hello.pid})\n`,
      );
      started?.client.close();
    });
  agent
    .command('stop')
    .description('stop the agent: every forward closes; sessions stay saved for the next start')
    .action(async () => {
      const running = await ensureAgent({ start: false, replace: false });
      if (!running) {
        process.stdout.write('agent: not running\n');
        return;
      }
      const { sessions } = await running.client.request('status', {});
      fs.writeFileSync(agentStoppedMarker(), `${new Date().toISOString()}\n`, { mode: 0o600 });
      await stopAgent(running.client, running.hello.pid);
      const saved =
        sessions.length > 0
          ? `; ${sessions.map((session) => session.host).join(', ')} saved: tunnel agent start brings them back, tunnel disconnect --all forgets them`
          : '';
      process.stdout.write(`agent stopped (pid ${running.hello.pid})${saved}\n`);
    });
  return agent;
}
