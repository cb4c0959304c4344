// How a disconnected session ends: stopped (listeners, then its connection), then its kubeconfig
// entries removed unless they were handed to the session that replaces it.
import type { DisconnectResult } from '../control/protocol.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';

export async function endSession(
  session: ManagedSession,
  keepKubeconfig: boolean,
  log: Logger,
): Promise<DisconnectResult> {
  const host = session.options.alias;
  await session.stop();
  const file = session.kubeconfig.report.file ?? null;
  let contexts = { removed: [] as string[], left: [] as string[] };
  if (!keepKubeconfig) {
    try {
      contexts = await session.kubeconfig.remove();
    } catch (error) {
      log('warn', `kubeconfig entries not removed: ${describeError(error)}`, { host });
    }
  }
  log('info', 'session disconnected', { host, removedContexts: contexts.removed });
  return { host, removedContexts: contexts.removed, leftContexts: contexts.left, kubeconfigFile: file };
}
