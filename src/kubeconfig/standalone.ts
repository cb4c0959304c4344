// The standalone kubeconfig (`--kubeconfig <file>`): a file holding only tunnel's entries, replaced whole.
// It is refused when it holds an entry tunnel did not write, so `--kubeconfig ~/.kube/config` given by
// mistake never loses the user's contexts. An older tunnel wrote no marks; its file is recognised by its
// shape (every entry a context of ours pointing at a loopback API forward), whatever clusters it named.
import { type Document, isMap, isSeq, type YAMLMap } from 'yaml';
import { atomicWrite, backupOnce } from '../atomic-file.js';
import { guard, refuseReadOnly } from './file-access.js';
import { foreignEntries, type Ownership, standaloneRefusal, withMark } from './ownership.js';
import type { KubeconfigEntries } from './rewrite.js';
import { loadKubeconfig, namesOf, renderStandaloneKubeconfig } from './write.js';

export interface StandaloneOptions extends Ownership {
  entries: readonly KubeconfigEntries[];
  /** The context made current. */
  context: string;
}

export async function writeStandaloneKubeconfig(file: string, options: StandaloneOptions): Promise<void> {
  const { entries, context, owner } = options;
  const loaded = await loadKubeconfig(file);
  const names = new Set(entries.flatMap((entry) => Object.values(namesOf(entry))));
  for (const adopted of options.adopt ?? []) names.add(adopted).add(`admin@${adopted}`);
  const byShape = tunnelShaped(loaded.doc).filter((name) => !names.has(name));
  for (const name of byShape) names.add(name);
  const foreign = foreignEntries(loaded.doc, owner, names);
  if (foreign.length > 0) throw standaloneRefusal(loaded.target, foreign);
  // k3d's own contexts on this machine look alike (k3d-x, admin@k3d-x, 127.0.0.1): keep a copy of a file
  // accepted by its shape alone before replacing it.
  const { original, target } = loaded;
  if (byShape.length > 0 && original !== undefined)
    await guard('back up', target, () => backupOnce(target, original));
  const marked = entries.map((entry) => ({
    cluster: withMark('clusters', entry.cluster, owner),
    context: withMark('contexts', entry.context, owner),
    user: withMark('users', entry.user, owner),
    dropped: entry.dropped,
  }));
  const text = renderStandaloneKubeconfig(marked, context);
  await refuseReadOnly(loaded.target);
  await guard('write', loaded.target, () => atomicWrite(loaded.target, text));
}

// What tunnel has always written there: https to a loopback address and the local forward's port.
const LOOPBACK_SERVER = /^https:\/\/(?:127(?:\.\d{1,3}){3}|\[::1\]|localhost):\d{1,5}$/;

/**
 * Names of the entries that form one of tunnel's own contexts: context N naming cluster N and user
 * admin@N, cluster N with a loopback https server, user admin@N. An older tunnel's file holds only these.
 */
export function tunnelShaped(doc: Document): string[] {
  const found: string[] = [];
  for (const entry of items(doc, 'contexts')) {
    const name = entry.get('name');
    const context = entry.get('context');
    if (typeof name !== 'string' || !isMap(context)) continue;
    const user = `admin@${name}`;
    if (context.get('cluster') !== name || context.get('user') !== user) continue;
    const cluster = items(doc, 'clusters')
      .find((item) => item.get('name') === name)
      ?.get('cluster');
    const server = isMap(cluster) ? cluster.get('server') : undefined;
    if (typeof server !== 'string' || !LOOPBACK_SERVER.test(server)) continue;
    if (!items(doc, 'users').some((item) => item.get('name') === user)) continue;
    found.push(name, user);
  }
  return found;
}

function items(doc: Document, list: 'clusters' | 'contexts' | 'users'): YAMLMap[] {
  const seq = doc.get(list, true);
  return isSeq(seq) ? seq.items.filter((item): item is YAMLMap => isMap(item)) : [];
}
