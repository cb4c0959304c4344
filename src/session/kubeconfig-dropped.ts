// What tunnel says about the fields it dropped from k3d's kubeconfig, bounded: the dev server can add
// thousands, so the connect report lists some and counts the rest, and the log writes one line.
import { droppedLine } from '../kubeconfig/fetch.js';
import { listSome } from '../kubeconfig/rewrite.js';
import type { KubeconfigReport } from './kubeconfig-step.js';

// The connect report lists this many dropped fields and counts the rest (a server can add thousands).
export const MAX_REPORTED_DROPPED = 20;

export function capDropped(dropped: KubeconfigReport['dropped'], report: KubeconfigReport) {
  if (dropped.length <= MAX_REPORTED_DROPPED) return dropped;
  report.moreDropped = (report.moreDropped ?? 0) + dropped.length - MAX_REPORTED_DROPPED;
  return dropped.slice(0, MAX_REPORTED_DROPPED);
}

/** The log line for one fetch: one field as droppedLine says it, several as the first few and a count. */
export function droppedSummary(context: string, fields: readonly { path: string; reason: string }[]): string {
  if (fields.length === 1) return droppedLine(context, fields[0]!);
  const listed = listSome(fields.map((field) => `${field.path} (${field.reason})`));
  return `dropped ${fields.length} fields from ${context}'s kubeconfig: ${listed}`;
}
