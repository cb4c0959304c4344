// Kubeconfig files: merge our entries into the user's kubeconfig, remove them again, or render a
// standalone file (standalone.ts writes it). Writes are atomic (temp file + fsync + rename), 0600, with a
// one-time backup of the user's file.
// Everything we did not write (other entries, comments, preferences, current-context) stays as it was:
// merged entries carry tunnel's mark, and one of the same name without it is never replaced nor removed
// (ownership.ts). A file we cannot read as a kubeconfig, or a read-only one, is never touched.
import { isUtf8 } from 'node:buffer';
import { Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { atomicWrite, backupOnce } from '../atomic-file.js';
import { TunnelError } from '../errors.js';
import { pasteWord } from '../shell-word.js';
import { removeNamed, upsert } from './entry-list.js';
import { guard, readIfExists, refuseReadOnly, resolveTarget } from './file-access.js';
import {
  claimOf,
  foreignName,
  type ListKey,
  type Ownership,
  refusal,
  SECTION,
  withMark,
} from './ownership.js';
import type { KubeconfigEntries } from './rewrite.js';
import type { KubeconfigNames } from './types.js';

export interface MergeOptions extends Ownership {
  /** true → make the first entry's context current; a string → that context; absent/false → leave it. */
  switchContext?: boolean | string;
}

export interface WriteResult {
  /** The file written (symlinks resolved, so a linked ~/.kube/config stays a link). */
  file: string;
  changed: boolean;
  /** The backup made by this call, if any (only before the first change to an existing file). */
  backup: string | undefined;
}

export interface MergeResult extends WriteResult {
  /** Entries not merged because the file holds an entry of that name tunnel did not write. */
  refused: { context: string; error: TunnelError }[];
  /** The context made current by this merge, if any. */
  current: string | undefined;
}

export interface RemoveResult extends WriteResult {
  /** Entries left in place because tunnel did not write them, e.g. `context "prod"`. */
  skipped: string[];
  /** Contexts whose entry this call removed, and those it left because tunnel did not write them. */
  contexts: { removed: string[]; left: string[] };
}

const LISTS: readonly ListKey[] = ['clusters', 'contexts', 'users'];
const KNOWN_KEYS = ['apiVersion', 'kind', 'clusters', 'contexts', 'users', 'current-context', 'preferences'];
// YAML 1.1 like client-go, so a new value such as "no" is quoted instead of turning into a boolean.
const PARSE = { version: '1.1' } as const;

export interface Loaded {
  doc: Document;
  target: string;
  original: Buffer | undefined;
  /** Serialization before our change: a no-op merge must not rewrite the file. */
  baseline: string | undefined;
  indentSeq: boolean;
}

export async function mergeIntoKubeconfig(
  file: string,
  entries: readonly KubeconfigEntries[],
  options: MergeOptions,
): Promise<MergeResult> {
  const loaded = await loadKubeconfig(file);
  const refused: MergeResult['refused'] = [];
  const merged: string[] = [];
  for (const entry of entries) {
    const names = namesOf(entry);
    const taken = foreignName(loaded.doc, names, options);
    if (taken) {
      refused.push({
        context: names.context,
        error: refusal({ file: loaded.target, taken, names, owner: options.owner }),
      });
      continue;
    }
    upsert(loaded.doc, 'clusters', withMark('clusters', entry.cluster, options.owner));
    upsert(loaded.doc, 'contexts', withMark('contexts', entry.context, options.owner));
    upsert(loaded.doc, 'users', withMark('users', entry.user, options.owner));
    merged.push(names.context);
  }
  const { switchContext } = options;
  const wanted = switchContext === true ? merged[0] : switchContext || undefined;
  // Never switch to a context we refused to write: it is the user's, not what they asked for.
  const current = refused.some((entry) => entry.context === wanted) ? undefined : wanted;
  if (current !== undefined) loaded.doc.set('current-context', current);
  return { ...(await save(loaded)), refused, current };
}

export const namesOf = (entry: KubeconfigEntries): KubeconfigNames => ({
  cluster: entry.cluster.name,
  context: entry.context.name,
  user: entry.user.name,
});

/**
 * Removes tunnel's entries by name (disconnect); one it did not write is left and listed in `skipped`.
 * A current-context we remove becomes "" as `k3d cluster delete` does.
 */
export async function removeFromKubeconfig(
  file: string,
  names: readonly KubeconfigNames[],
  ownership: Ownership,
): Promise<RemoveResult> {
  const loaded = await loadKubeconfig(file);
  const skipped: string[] = [];
  const contexts: RemoveResult['contexts'] = { removed: [], left: [] };
  if (loaded.original === undefined)
    return { file: loaded.target, changed: false, backup: undefined, skipped, contexts };
  const current = loaded.doc.get('current-context');
  for (const entry of names) {
    for (const list of LISTS) {
      const name = entry[SECTION[list]];
      const claim = claimOf(loaded.doc, { list, names: entry, ownership });
      if (claim === 'absent') continue;
      if (list === 'contexts') contexts[claim === 'foreign' ? 'left' : 'removed'].push(name);
      if (claim === 'foreign') skipped.push(`${SECTION[list]} ${JSON.stringify(name)}`);
      else {
        removeNamed(loaded.doc, list, name);
        if (list === 'contexts' && name === current) loaded.doc.set('current-context', '');
      }
    }
  }
  return { ...(await save(loaded)), skipped, contexts };
}

/** The text of a kubeconfig holding only these entries, `context` current (pure; for printing or writing). */
export function renderStandaloneKubeconfig(entries: readonly KubeconfigEntries[], context: string): string {
  if (!entries.some((entry) => entry.context.name === context)) {
    throw new TunnelError(
      'INTERNAL',
      `Context ${JSON.stringify(context)} is not among the kubeconfig entries.`,
    );
  }
  const doc = new Document(emptyConfig(), PARSE);
  for (const entry of entries) {
    upsert(doc, 'clusters', entry.cluster);
    upsert(doc, 'contexts', entry.context);
    upsert(doc, 'users', entry.user);
  }
  doc.set('current-context', context);
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

// kubectl's key order for a new file.
function emptyConfig(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    clusters: [],
    contexts: [],
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: [],
  };
}

export async function loadKubeconfig(file: string): Promise<Loaded> {
  const target = await resolveTarget(file);
  const original = await guard('read', target, () => readIfExists(target));
  if (original === undefined) {
    return {
      doc: new Document(emptyConfig(), PARSE),
      target,
      original,
      baseline: undefined,
      indentSeq: false,
    };
  }
  // kubectl refuses such a file too; decoding it loosely would write U+FFFD over the user's bytes.
  if (!isUtf8(original)) throw notKubeconfig(target, 'is not UTF-8 text');
  const text = original.toString('utf8');
  const doc = parseExisting(text, target);
  // kubectl writes list items flush with their key; keep whichever style the file already uses.
  const indentSeq = !/^[\w-]+:[ \t]*\r?\n-[ \t]/m.test(text);
  return { doc, target, original, baseline: doc.toString({ lineWidth: 0, indentSeq }), indentSeq };
}

function notKubeconfig(file: string, what: string): TunnelError {
  return new TunnelError('KUBECONFIG', `${file} ${what}; tunnel left it unchanged.`, {
    hint: `Check it with: kubectl config view --kubeconfig ${pasteWord(file, '<file>')}. Fix or move it, or point KUBECONFIG at another file.`,
  });
}

function parseExisting(text: string, file: string): Document {
  const doc = parseDocument(text, PARSE);
  const error = doc.errors[0];
  if (error) throw notKubeconfig(file, `is not valid YAML (${error.message.split('\n')[0]})`);
  // Empty or comments only: kubectl reads that as an empty config, so do we (comments are kept).
  if (doc.contents === null) {
    const fresh = new Document(emptyConfig(), PARSE);
    fresh.commentBefore = [doc.commentBefore, doc.comment].filter(Boolean).join('\n') || null;
    return fresh;
  }
  if (!isMap(doc.contents)) throw notKubeconfig(file, 'is not a kubeconfig (its top level is not a mapping)');
  const kind = doc.get('kind');
  if (kind !== undefined && kind !== null && kind !== 'Config') {
    throw notKubeconfig(file, `is not a kubeconfig (kind is ${JSON.stringify(kind)}, not "Config")`);
  }
  if (!KNOWN_KEYS.some((key) => doc.has(key))) {
    throw notKubeconfig(file, 'is not a kubeconfig (no apiVersion, kind, clusters, contexts or users)');
  }
  for (const key of LISTS) {
    const list = doc.get(key, true);
    if (list === undefined || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) throw notKubeconfig(file, `is not a kubeconfig ("${key}" is not a list)`);
    const bad = list.items.findIndex((item) => !isMap(item));
    if (bad >= 0)
      throw notKubeconfig(file, `is not a kubeconfig (entry #${bad + 1} of "${key}" is not a mapping)`);
  }
  return doc;
}

async function save(loaded: Loaded): Promise<WriteResult> {
  const { doc, target, original } = loaded;
  const text = doc.toString({ lineWidth: 0, indentSeq: loaded.indentSeq });
  if (original !== undefined && text === loaded.baseline)
    return { file: target, changed: false, backup: undefined };
  if (original !== undefined) await refuseReadOnly(target);
  const backup =
    original === undefined ? undefined : await guard('back up', target, () => backupOnce(target, original));
  await guard('write', target, () => atomicWrite(target, text));
  return { file: target, changed: true, backup };
}
