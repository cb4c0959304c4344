// One cluster's kube context as this machine should see it: k3d's kubeconfig for the cluster, read on the
// dev server, rewritten to point at the API forward's local port under the context's names. Shared by
// the session (kubeconfig-follow.ts), `tunnel kubeconfig` (print.ts) and `tunnel cluster delete` (names),
// with how kubectl reaches a forward and the words for a field the allowlist dropped.
import { isLoopback } from '../config/resolve.js';
import type { ForwardSpec } from '../plan/types.js';
import { getKubeconfig } from '../remote/k3d.js';
import type { K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';
import { rewriteKubeconfig } from './rewrite.js';
import type { KubeconfigNames } from './types.js';

export interface FetchInput {
  connection: SshConnection;
  k3d: K3dInfo;
  /** The kube context name for a cluster. */
  names: (cluster: string) => string;
  /** How kubectl on this machine reaches the API forward (clientAddress of the bind address). */
  serverHost: string;
}

/** Cluster and context share the context's name; the user is admin@<context>, k3d's scheme. */
export function namesForContext(context: string): KubeconfigNames {
  return { cluster: context, context, user: `admin@${context}` };
}

/** k3d's kubeconfig for the API forward's cluster, pointed at the forward's local port. */
export async function fetchRewritten(input: FetchInput, api: ForwardSpec) {
  const raw = await getKubeconfig(input.connection, input.k3d, api.cluster);
  const context = input.names(api.cluster);
  return rewriteKubeconfig(raw, {
    server: `https://${input.serverHost}:${api.localPort}`,
    names: namesForContext(context),
  });
}

/** The address kubectl on this machine should use to reach a forward bound to `bindAddress`. */
export function clientAddress(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::' || isLoopback(bindAddress)) {
    return bindAddress === '::1' ? '[::1]' : '127.0.0.1';
  }
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

/** e.g. dropped users[].user.exec from k3d-x@host's kubeconfig: a credential plugin would run a program … */
export function droppedLine(context: string, field: { path: string; reason: string }): string {
  return `dropped ${field.path} from ${context}'s kubeconfig: ${field.reason}`;
}
