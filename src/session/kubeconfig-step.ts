// Kubeconfig pieces shared by the session (kubeconfig-follow.ts) and `tunnel kubeconfig`: what a
// session reports about its kubeconfig, the names of its entries, and one cluster's rewritten entries.
import type { KubeconfigMode } from '../config/resolve.js';
import { rewriteKubeconfig } from '../kubeconfig/rewrite.js';
import type { KubeconfigNames } from '../kubeconfig/types.js';
import type { ForwardSpec } from '../plan/types.js';
import { getKubeconfig } from '../remote/k3d.js';
import type { K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';

export interface KubeconfigReport {
  mode: KubeconfigMode['kind'];
  file: string | undefined;
  contexts: { cluster: string; context: string }[];
  errors: { cluster: string; error: string }[];
  /** Fields of k3d's kubeconfig that tunnel left out (allowlist.ts), per context written. */
  dropped: { cluster: string; context: string; path: string; reason: string }[];
  /** How many more were dropped than `dropped` lists (it is bounded); absent from older agents. */
  moreDropped?: number;
  switchedTo: string | undefined;
}

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
