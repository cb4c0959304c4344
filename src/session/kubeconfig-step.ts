// The kubeconfig part of a session: fetch k3d's kubeconfig for each forwarded cluster, point it at the
// local API forward, and write all of them in one atomic update. A cluster whose kubeconfig cannot be
// fetched is reported, not fatal: its ports are still forwarded.
import type { KubeconfigMode } from '../config/resolve.js';
import { describeError } from '../errors.js';
import { rewriteKubeconfig } from '../kubeconfig/rewrite.js';
import type { KubeconfigNames } from '../kubeconfig/types.js';
import { mergeIntoKubeconfig, writeStandaloneKubeconfig } from '../kubeconfig/write.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import { getKubeconfig } from '../remote/k3d.js';
import type { K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';

export interface KubeconfigReport {
  mode: KubeconfigMode['kind'];
  file: string | undefined;
  contexts: { cluster: string; context: string }[];
  errors: { cluster: string; error: string }[];
  switchedTo: string | undefined;
}

export interface KubeconfigStepInput {
  connection: SshConnection;
  k3d: K3dInfo;
  forwards: ForwardSpec[];
  mode: KubeconfigMode;
  names: (cluster: string) => string;
  serverHost: string;
  log: Logger;
}

/** Cluster and context share the context's name; the user is admin@<context>, k3d's scheme. */
export function namesForContext(context: string): KubeconfigNames {
  return { cluster: context, context, user: `admin@${context}` };
}

export async function fetchRewritten(input: KubeconfigStepInput, api: ForwardSpec) {
  const raw = await getKubeconfig(input.connection, input.k3d, api.cluster);
  const context = input.names(api.cluster);
  return rewriteKubeconfig(raw, {
    server: `https://${input.serverHost}:${api.localPort}`,
    names: namesForContext(context),
  });
}

export async function applyKubeconfig(input: KubeconfigStepInput): Promise<KubeconfigReport> {
  const { mode } = input;
  const report: KubeconfigReport = {
    mode: mode.kind,
    file: mode.kind === 'none' ? undefined : mode.file,
    contexts: [],
    errors: [],
    switchedTo: undefined,
  };
  if (mode.kind === 'none') return report;
  const entries = [];
  for (const api of input.forwards.filter((spec) => spec.kind === 'api')) {
    try {
      entries.push(await fetchRewritten(input, api));
      report.contexts.push({ cluster: api.cluster, context: input.names(api.cluster) });
    } catch (error) {
      input.log('warn', `kubeconfig for ${api.cluster} not written: ${describeError(error)}`);
      report.errors.push({ cluster: api.cluster, error: describeError(error) });
    }
  }
  if (entries.length === 0) return report;
  const first = report.contexts[0]!.context;
  if (mode.kind === 'standalone') {
    await writeStandaloneKubeconfig(mode.file, entries, first);
  } else {
    await mergeIntoKubeconfig(mode.file, entries, { switchContext: mode.switchContext ? first : undefined });
    if (mode.switchContext) report.switchedTo = first;
  }
  return report;
}
