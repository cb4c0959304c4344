// Kubeconfig rewrite (pure): turns the kubeconfig `k3d kubeconfig get` printed into entries that point at
// the local API forward, under names that say which dev server they reach. Parses YAML, never edits text.
// Only the embedded certificates and key pass (allowlist.ts); everything else is dropped and listed, and
// a kubeconfig without a usable embedded credential gives no entries at all. File I/O lives in write.ts.
import { parseDocument } from 'yaml';
import { TunnelError } from '../errors.js';
import { boundText } from '../redact.js';
import { allowed, type DroppedField, pathOf, type Section } from './allowlist.js';
import type { KubeconfigNames, RewriteOptions } from './types.js';

type Fields = Record<string, unknown>;

/** One cluster + context + user, shaped like kubeconfig list items (kubectl's key order). */
export interface KubeconfigEntries {
  cluster: { cluster: Fields; name: string };
  context: { context: Fields; name: string };
  user: { name: string; user: Fields };
  /** What the dev server's kubeconfig held that tunnel left out, and why (not written anywhere). */
  dropped: DroppedField[];
}

/** `k3d-<cluster>@<host>` for cluster and context, `admin@k3d-<cluster>@<host>` for the user (k3d's scheme + host). */
export function defaultNames(cluster: string, host: string): KubeconfigNames {
  const base = `k3d-${cluster}@${host}`;
  return { cluster: base, context: base, user: `admin@${base}` };
}

const HINT =
  'Run "k3d kubeconfig get <cluster>" on the dev server to see what it prints; tunnel supports k3d v5.x.';

function invalid(what: string): TunnelError {
  return new TunnelError('KUBECONFIG', `The kubeconfig from k3d ${what}.`, { hint: HINT });
}

export function rewriteKubeconfig(yamlText: string, options: RewriteOptions): KubeconfigEntries {
  const config = parseConfig(yamlText);
  const contexts = namedList(config, 'contexts');
  const clusters = namedList(config, 'clusters');
  const users = namedList(config, 'users');
  const current = config['current-context'];
  const context = contexts.find((entry) => entry.name === current) ?? contexts[0];
  const contextFields = fieldsOf(context, 'context', 'contexts');
  const cluster = referenced(clusters, contextFields.cluster, 'cluster', context.name);
  const user = referenced(users, contextFields.user, 'user', context.name);
  const { names, server } = options;
  const clusterPart = allowed('cluster', fieldsOf(cluster, 'cluster', 'clusters'));
  const userPart = allowed('user', fieldsOf(user, 'user', 'users'));
  const contextPart = allowed('context', contextFields);
  const dropped = [...clusterPart.dropped, ...contextPart.dropped, ...userPart.dropped];
  requireCredential(
    [
      ['cluster', clusterPart.kept, 'certificate-authority-data'],
      ['user', userPart.kept, 'client-certificate-data'],
      ['user', userPart.kept, 'client-key-data'],
    ],
    dropped,
    names.context,
  );
  return {
    cluster: { cluster: { ...clusterPart.kept, server }, name: names.cluster },
    context: { context: { cluster: names.cluster, user: names.user }, name: names.context },
    user: { name: names.user, user: userPart.kept },
    dropped,
  };
}

/** Without the embedded CA, certificate and key there is no context worth writing: refuse, saying why. */
function requireCredential(
  needed: readonly [Section, Fields, string][],
  dropped: readonly DroppedField[],
  context: string,
): void {
  const problems = needed
    .filter(([, kept, key]) => kept[key] === undefined)
    .map(([section, , key]) => {
      const why = dropped.find((entry) => entry.path === pathOf(section, key))?.reason ?? 'it is missing';
      return `${pathOf(section, key)}: ${why}`;
    });
  if (problems.length === 0) return;
  const others = dropped.filter((entry) => !problems.some((problem) => problem.startsWith(entry.path)));
  const also = others.length > 0 ? `; also dropped: ${listSome(others.map((entry) => entry.path))}` : '';
  throw new TunnelError(
    'KUBECONFIG',
    `The kubeconfig from k3d for ${context} has no usable embedded credential (${problems.join('; ')}${also}), so tunnel writes no context for it; its forwards still run.`,
    {
      hint: 'k3d embeds the cluster CA and the admin certificate and key as *-data fields; see what it prints on the dev server: k3d kubeconfig get <cluster>',
    },
  );
}

/** The first few of a list the dev server controls, then how many more: an error stays a few lines. */
export function listSome(items: readonly string[], shown = 5): string {
  const more = items.length > shown ? `, and ${items.length - shown} more` : '';
  return items.slice(0, shown).join(', ') + more;
}

/** A value from the dev server quoted for a message: JSON, at most ~200 characters. */
function quote(value: unknown): string {
  return boundText(JSON.stringify(value) ?? String(value), 200);
}

function parseConfig(yamlText: string): Fields {
  // YAML 1.1 like client-go's reader, so values such as `no` mean what kubectl thinks they mean.
  const doc = parseDocument(yamlText, { version: '1.1' });
  const error = doc.errors[0];
  if (error) throw invalid(`is not valid YAML: ${error.message.split('\n')[0]}`);
  let config: unknown;
  try {
    config = doc.toJS();
  } catch (error) {
    // yaml refuses to expand too many aliases (a "billion laughs" document) with a ReferenceError.
    throw invalid(`cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid('is not a YAML mapping');
  }
  return config as Fields;
}

interface Named {
  name: string;
  fields: Fields;
}

function namedList(config: Fields, key: 'clusters' | 'contexts' | 'users'): [Named, ...Named[]] {
  const list = config[key];
  if (!Array.isArray(list) || list.length === 0) throw invalid(`has no "${key}" entries`);
  const named = list.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || typeof (item as Fields).name !== 'string') {
      throw invalid(`has an entry #${index + 1} in "${key}" without a name`);
    }
    return { name: (item as Fields).name as string, fields: item as Fields };
  });
  return named as [Named, ...Named[]];
}

function fieldsOf(entry: Named, key: 'cluster' | 'context' | 'user', list: string): Fields {
  const fields = entry.fields[key];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw invalid(`has no "${key}" section in ${list} entry ${quote(entry.name)}`);
  }
  return fields as Fields;
}

function referenced(list: readonly Named[], name: unknown, kind: 'cluster' | 'user', context: string): Named {
  const found = list.find((entry) => entry.name === name);
  if (!found) {
    throw invalid(`has context ${quote(context)} naming ${kind} ${quote(name)}, which is not in "${kind}s"`);
  }
  return found;
}
