// Which kubeconfig entries are tunnel's: every cluster, context and user tunnel merges carries an
// `extensions` entry naming the host it reaches (kubectl keeps extensions through its own edits). An
// entry without that mark is the user's (or another tool's): tunnel never replaces nor removes it.
//
// Entries written by tunnel before the mark existed look exactly like what it writes today; they are
// adopted only when the session record lists their context as written by that session (`adopt`), and
// are marked at the next write. Anything else of that name is refused with a hint.
import { type Document, isMap, isSeq, type YAMLMap } from 'yaml';
import { TunnelError } from '../errors.js';
import { pasteWord } from '../shell-word.js';
import type { KubeconfigNames } from './types.js';

export const OWNER_EXTENSION = 'tunnel.dev/owner';

export type ListKey = 'clusters' | 'contexts' | 'users';
export const SECTION = { clusters: 'cluster', contexts: 'context', users: 'user' } as const;

export interface Ownership {
  /** The ssh alias whose session writes these entries. */
  owner: string;
  /** Contexts an older tunnel wrote for this session (from its record) that may be taken over unmarked. */
  adopt?: readonly string[];
}

/** The `extensions` item tunnel adds to each entry it writes. */
export function ownerMark(owner: string) {
  return { extension: { host: owner }, name: OWNER_EXTENSION };
}

/** Adds our mark to an entry's cluster/context/user section (a plain object, before it becomes YAML). */
export function withMark<T extends { name: string }>(list: ListKey, item: T, owner: string): T {
  const section = SECTION[list];
  const fields = (item as Record<string, unknown>)[section] as Record<string, unknown>;
  return { ...item, [section]: { ...fields, extensions: [ownerMark(owner)] } };
}

export type Claim = 'absent' | 'ours' | 'adoptable' | 'foreign';

export function findEntry(doc: Document, list: ListKey, name: string): YAMLMap | undefined {
  const items = doc.get(list, true);
  if (!isSeq(items)) return undefined;
  return items.items.find((entry): entry is YAMLMap => isMap(entry) && entry.get('name') === name);
}

export interface ClaimQuery {
  list: ListKey;
  names: KubeconfigNames;
  ownership: Ownership;
}

/** Whose entry `name` in `list` is: nobody's yet, ours, an unmarked one we may adopt, or someone else's. */
export function claimOf(doc: Document, { list, names, ownership }: ClaimQuery): Claim {
  const name = names[SECTION[list]];
  const entry = findEntry(doc, list, name);
  if (!entry) return 'absent';
  const host = markedHost(entry.get(SECTION[list]));
  if (host === ownership.owner) return 'ours';
  if (host === undefined && (ownership.adopt ?? []).includes(names.context)) return 'adoptable';
  return 'foreign';
}

/** The host in an entry section's tunnel mark, or undefined when it has none. */
function markedHost(section: unknown): string | undefined {
  if (!isMap(section)) return undefined;
  const extensions = section.get('extensions');
  if (!isSeq(extensions)) return undefined;
  for (const item of extensions.items) {
    if (!isMap(item) || item.get('name') !== OWNER_EXTENSION) continue;
    const extension = item.get('extension');
    const host = isMap(extension) ? extension.get('host') : undefined;
    if (typeof host === 'string') return host;
  }
  return undefined;
}

/** The first of an entry's three names taken by something tunnel did not write for this host. */
export function foreignName(
  doc: Document,
  names: KubeconfigNames,
  ownership: Ownership,
): { list: ListKey; name: string } | undefined {
  for (const list of ['contexts', 'clusters', 'users'] as const) {
    if (claimOf(doc, { list, names, ownership }) === 'foreign') return { list, name: names[SECTION[list]] };
  }
  return undefined;
}

/** Entries of any list not marked for `owner`, except unmarked ones named in `unmarkedOk` (e.g. `context "prod"`). */
export function foreignEntries(doc: Document, owner: string, unmarkedOk: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const list of ['clusters', 'contexts', 'users'] as const) {
    const items = doc.get(list, true);
    if (!isSeq(items)) continue;
    for (const entry of items.items) {
      if (!isMap(entry)) continue;
      const name = String(entry.get('name'));
      const host = markedHost(entry.get(SECTION[list]));
      if (host === owner || (host === undefined && unmarkedOk.has(name))) continue;
      found.push(`${SECTION[list]} ${JSON.stringify(name)}`);
    }
  }
  return found;
}

export function standaloneRefusal(file: string, foreign: readonly string[]): TunnelError {
  const listed =
    foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
  return new TunnelError(
    'KUBECONFIG',
    `${file} holds entries tunnel did not write (${listed}); tunnel left it unchanged instead of replacing it with its own.`,
    {
      hint: '--kubeconfig names a file tunnel writes whole: give it a file of its own (e.g. ~/.kube/tunnel-<host>.yaml), or leave --kubeconfig out to merge into your kubeconfig.',
    },
  );
}

export interface Refused {
  file: string;
  taken: { list: ListKey; name: string };
  names: KubeconfigNames;
  owner: string;
}

export function refusal({ file, taken, names, owner }: Refused): TunnelError {
  const kind = SECTION[taken.list];
  const name = JSON.stringify(taken.name);
  const remove = (['context', 'cluster', 'user'] as const)
    .map((section) => `kubectl config delete-${section} ${pasteWord(names[section], `<${section}>`)}`)
    .join('; ');
  return new TunnelError(
    'KUBECONFIG',
    `${file} already has a ${kind} named ${name} that tunnel did not write for ${owner}; tunnel left it as it is and wrote no context in its place.`,
    {
      hint:
        `Keep it and name tunnel's contexts differently: tunnel connect ${pasteWord(owner, '<host>')} --context-name 'tunnel-{cluster}@{host}'. ` +
        `Or, if an older tunnel wrote it and you no longer need it, delete it (${remove}) and connect again.`,
    },
  );
}
