// How the agent compares a connect with the session it has, and the error for a host it has none for.
import type { SessionOptions } from '../config/resolve.js';
import { TunnelError } from '../errors.js';

export function sameOptions(a: SessionOptions, b: SessionOptions): boolean {
  // --accept-new-host-key only concerns the first connect; it is never kept (see store.ts). The askpass
  // program says how a question is answered, not what is forwarded: a connect from a terminal must not
  // replace (and re-bind) a session a script started with SSH_ASKPASS.
  const plain = (options: SessionOptions) =>
    JSON.stringify({
      ...options,
      acceptNewHostKey: false,
      askpass: undefined,
      maps: [...options.maps.entries()],
    });
  return plain(a) === plain(b);
}

/** Whether both sessions merge into the same kubeconfig file (where contexts can be handed over). */
export function sameMergeTarget(a: SessionOptions, b: SessionOptions): boolean {
  return (
    a.kubeconfig.kind === 'merge' && b.kubeconfig.kind === 'merge' && a.kubeconfig.file === b.kubeconfig.file
  );
}

export function noSession(host: string, hosts: string[]): TunnelError {
  const running = hosts.length > 0 ? `Sessions: ${hosts.join(', ')}.` : 'No session is running.';
  return new TunnelError('STATE', `no session for ${host}. ${running}`, {
    hint: `Start one with: tunnel connect ${host}`,
  });
}
