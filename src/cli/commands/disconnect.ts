// `tunnel disconnect <host> | --all`: the agent stops the session (its ports are free when this
// returns), forgets it, and removes the kube contexts it wrote unless --keep-kubeconfig.
import type { Command } from 'commander';
import type { DisconnectResult } from '../../control/protocol.js';
import { isTunnelError, UsageError } from '../../errors.js';
import { existingAgent } from '../agent-access.js';
import { safeText } from '../render.js';

/** One line per session; context names may come from the dev server, so they are shown escaped. */
export function describeDisconnect(result: DisconnectResult): string {
  const host = safeText(result.host);
  const file = safeText(result.kubeconfigFile ?? 'your kubeconfig');
  const removed = result.removedContexts.map(safeText).join(', ');
  const left = (result.leftContexts ?? []).map(safeText).join(', ');
  return [
    `${host}: disconnected`,
    removed && `; removed ${removed} from ${file}`,
    left && `; left ${left} in place: tunnel did not write it`,
  ].join('');
}

export function registerDisconnect(program: Command): void {
  program
    .command('disconnect')
    .description('stop the forwards of a dev server and remove its kube contexts')
    .argument('[host]', 'the ssh alias given to connect')
    .option('--all', 'every connected dev server')
    .option('--keep-kubeconfig', 'leave the kubeconfig entries in place')
    .action(async (host: string | undefined, flags: { all?: boolean; keepKubeconfig?: boolean }) => {
      if (!host && !flags.all)
        throw new UsageError('name a host or use --all', 'Example: tunnel disconnect devserver');
      if (host && flags.all) {
        throw new UsageError(
          `disconnect takes a host or --all, not both (got ${host} and --all); nothing was disconnected`,
          `One session: tunnel disconnect ${host}; every session: tunnel disconnect --all`,
        );
      }
      const agent = await existingAgent();
      if (!agent) {
        process.stdout.write(flags.all ? 'no sessions running\n' : `${host} is not connected\n`);
        return;
      }
      try {
        const target = flags.all || !host ? { all: true as const } : { host };
        const reply = await agent.client.request(
          'disconnect',
          { target, keepKubeconfig: flags.keepKubeconfig === true },
          { timeoutMs: 60_000 },
        );
        if (reply.disconnected.length === 0) process.stdout.write('no sessions running\n');
        for (const result of reply.disconnected) process.stdout.write(`${describeDisconnect(result)}\n`);
      } catch (error) {
        // Disconnecting what is not connected leaves things as asked: say so, exit 0.
        if (isTunnelError(error) && error.code === 'STATE') {
          process.stdout.write(`${host} is not connected\n`);
          return;
        }
        throw error;
      } finally {
        agent.client.close();
      }
    });
}
