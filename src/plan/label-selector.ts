// Kubernetes label selectors (`app=web,tier!=cache,!internal,env in (dev,qa)`), parsed the way
// apimachinery's labels.Parse reads them and validated as it does (qualified-name keys, ≤63-character
// values), so a `--selector` that kubectl accepts selects the same Services here. Pure.
import { UsageError } from '../errors.js';
import { isLabelValue, isQualifiedName } from './kube-names.js';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

export interface LabelSelector {
  requirements: readonly LabelRequirement[];
  /** True when every requirement holds (comma = AND); an empty selector matches everything. */
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const HINT =
  "Use Kubernetes label selector syntax, e.g. --selector 'app=web,tier!=cache,env in (dev,qa),!internal'.";
/** The longest selector tunnel takes, from a flag, a setting or a control frame (the one limit). */
export const MAX_SELECTOR_LENGTH = 1024;

/** Parses a selector; a bad one is a UsageError naming the part and showing an example. */
export function parseLabelSelector(text: string): LabelSelector {
  if (text.length > MAX_SELECTOR_LENGTH) throw bad(text, `is longer than ${MAX_SELECTOR_LENGTH} characters`);
  const requirements = splitTerms(text).map((term) => parseTerm(term, text));
  return { requirements, matches: (labels) => requirements.every((req) => holds(req, labels)) };
}

// Commas separate terms, except inside the parentheses of `in (a,b)`.
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw bad(text, 'has unbalanced parentheses');
  }
  if (depth !== 0) throw bad(text, 'has an unclosed "("');
  terms.push(text.slice(start));
  const trimmed = terms.map((term) => term.trim());
  // An empty selector selects everything; an empty term between commas is a typo.
  if (trimmed.length === 1 && trimmed[0] === '') return [];
  if (trimmed.some((term) => term === '')) throw bad(text, 'has an empty term between commas');
  return trimmed;
}

function parseTerm(term: string, text: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((value) => value.trim());
    return {
      key: key(set[1] ?? '', text),
      op: set[2] as 'in' | 'notin',
      values: values.map((v) => value(v, text)),
    };
  }
  const notExists = /^!\s*([^=!<>\s()]+)$/.exec(term);
  if (notExists) return { key: key(notExists[1] ?? '', text), op: '!' };
  const equality = /^([^=!<>\s()]+)\s*(==|=|!=)\s*([^=!<>\s()]*)$/.exec(term);
  if (equality) {
    const values = [value(equality[3] ?? '', text)];
    return { key: key(equality[1] ?? '', text), op: equality[2] === '!=' ? 'notin' : 'in', values };
  }
  if (/^[^=!<>\s()]+$/.test(term)) return { key: key(term, text), op: 'exists' };
  throw bad(
    text,
    `has the term ${JSON.stringify(term)}, which is none of key=value, key!=value, key, !key, key in (…), key notin (…)`,
  );
}

// A qualified name: [prefix/]name, prefix a DNS subdomain ≤253, name ≤63 (apimachinery IsQualifiedName).
function key(text: string, selector: string): string {
  if (!isQualifiedName(text)) {
    throw bad(
      selector,
      `has the key ${JSON.stringify(text)}: a key is a name of at most 63 letters, digits, "-", "_" or ".", ` +
        'optionally after a DNS prefix and "/" (example.com/tier)',
    );
  }
  return text;
}

function value(text: string, selector: string): string {
  if (isLabelValue(text)) return text;
  throw bad(
    selector,
    `has the value ${JSON.stringify(text)}: a value is empty or at most 63 letters, digits, "-", "_" or ".", ` +
      'starting and ending with a letter or digit',
  );
}

function holds(req: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.hasOwn(labels, req.key);
  switch (req.op) {
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'in':
      return present && req.values.includes(labels[req.key] ?? '');
    case 'notin':
      // As in Kubernetes: a Service without the label is "not in" any set.
      return !present || !req.values.includes(labels[req.key] ?? '');
  }
}

function bad(selector: string, problem: string): UsageError {
  const shown = JSON.stringify(selector.length > 80 ? `${selector.slice(0, 80)}…` : selector);
  return new UsageError(`The label selector ${shown} ${problem}.`, HINT);
}
