// A k3d cluster's API client from what k3d says about it: the API port it publishes on the dev server and
// the certificates in `k3d kubeconfig get` (read fresh each time, so a re-created cluster's new ones are used).
// The kubeconfig goes through the same allowlist as a merged one: only the embedded CA, certificate and key
// are used; an exec plugin, token file, proxy or insecure flag in it is dropped, never acted on.
import { TunnelError } from '../errors.js';
import { defaultNames, type KubeconfigEntries, rewriteKubeconfig } from '../kubeconfig/rewrite.js';
import { getKubeconfig } from '../remote/k3d.js';
import { isSafeClusterName, isWildcardHost } from '../remote/k3d-parse.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';
import { createKubeApi, type KubeApi, type KubeCredentials } from './api.js';

/** Where the dev server reaches the cluster's API; undefined when k3d publishes no API port. */
export function apiAddress(cluster: K3dCluster): { host: string; port: number } | undefined {
  if (!cluster.api) return undefined;
  const { hostIp, hostPort } = cluster.api;
  return { host: isWildcardHost(hostIp) ? '127.0.0.1' : hostIp, port: hostPort };
}

function decoded(fields: Record<string, unknown>, key: string, cluster: string): string {
  const value = fields[key];
  const pem = typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
  if (!pem.includes('-----BEGIN')) {
    const problem = typeof value === 'string' ? 'is not base64-encoded PEM' : 'is missing';
    throw new TunnelError(
      'KUBECONFIG',
      `The kubeconfig k3d printed for ${JSON.stringify(cluster)}: "${key}" ${problem}.`,
      {
        hint:
          'k3d embeds the cluster CA and the admin certificate and key; tunnel needs them to verify and to be ' +
          `admitted by the API. See what k3d prints: k3d kubeconfig get ${isSafeClusterName(cluster) ? cluster : '<cluster>'}`,
      },
    );
  }
  return pem;
}

/** The CA, client certificate and key (PEM) embedded in a cluster's kubeconfig entries. */
export function credentialsFromEntries(entries: KubeconfigEntries, cluster: string): KubeCredentials {
  return {
    ca: decoded(entries.cluster.cluster, 'certificate-authority-data', cluster),
    cert: decoded(entries.user.user, 'client-certificate-data', cluster),
    key: decoded(entries.user.user, 'client-key-data', cluster),
  };
}

export interface ClusterApiInput {
  connection: SshConnection;
  k3d: K3dInfo;
  cluster: K3dCluster;
  /** Per request; default 20 s. */
  timeoutMs?: number;
}

/** Reads the cluster's kubeconfig through k3d and returns a client for its API (no request made yet). */
export async function openClusterApi(input: ClusterApiInput): Promise<KubeApi> {
  const { connection, cluster } = input;
  const address = apiAddress(cluster);
  if (!address) {
    throw new TunnelError(
      'KUBE_API',
      `k3d cluster ${JSON.stringify(cluster.name)} publishes no API port on the dev server.`,
      {
        hint: `See its ports: tunnel clusters ${connection.target.alias}. A cluster made with k3d cluster create has one (--api-port).`,
      },
    );
  }
  const raw = await getKubeconfig(connection, input.k3d, cluster.name);
  const entries = rewriteKubeconfig(raw, {
    server: `https://${address.host}:${address.port}`,
    names: defaultNames(cluster.name, connection.target.alias),
  });
  return createKubeApi({
    connection,
    address,
    credentials: credentialsFromEntries(entries, cluster.name),
    cluster: cluster.name,
    timeoutMs: input.timeoutMs,
  });
}
