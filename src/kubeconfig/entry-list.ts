// The cluster/context/user lists of a kubeconfig YAML document: replace-or-append one entry by name
// (keeping the comments around it) and remove one by name. Ownership is checked by the caller.
import { type Document, isMap, isSeq, YAMLSeq } from 'yaml';
import type { ListKey } from './ownership.js';

export function upsert(doc: Document, key: ListKey, item: { name: string }): void {
  const existing = doc.get(key, true);
  let list: YAMLSeq;
  if (isSeq(existing)) {
    list = existing;
  } else {
    list = new YAMLSeq();
    doc.set(key, list);
  }
  // `clusters: []` would otherwise grow as a one-line flow list.
  if (list.items.length === 0) list.flow = false;
  const node = doc.createNode(item);
  const index = list.items.findIndex((entry) => isMap(entry) && entry.get('name') === item.name);
  if (index < 0) {
    list.items.push(node);
    return;
  }
  const previous = list.items[index];
  if (isMap(previous)) {
    node.commentBefore = previous.commentBefore;
    node.comment = previous.comment;
  }
  list.items[index] = node;
}

export function removeNamed(doc: Document, key: ListKey, name: string): void {
  const list = doc.get(key, true);
  if (!isSeq(list)) return;
  list.items = list.items.filter((entry) => !(isMap(entry) && entry.get('name') === name));
}
