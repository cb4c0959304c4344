// The layering check, pure: the rules as docs/architecture.md writes them (its ```layers block), the
// imports of a set of sources (static, `export … from`, and dynamic import()), and the arrows the rules
// forbid. test/unit/layering.test.ts feeds it src/; its own cases feed it small made-up trees.
import path from 'node:path';
import ts from 'typescript';

export interface Rules {
  /** Modules every unit may import (root files of src/: errors, log…). */
  base: Set<string>;
  /** unit → what it may import: a unit (`ssh`) or one file of it (`agent/spawn`). */
  allowed: Map<string, Set<string>>;
  /** package → the only units (or unit/file) that may import it. */
  packages: Map<string, Set<string>>;
  /** Units that must do no I/O: they may import none of `io`. */
  pure: Set<string>;
  io: Set<string>;
}

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

/** The statements of the first ```layers block in `markdown` (see docs/architecture.md for the grammar). */
export function parseRules(markdown: string): Rules {
  const block = /```layers\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (block === undefined) throw new Error('no ```layers block in the architecture document');
  const rules: Rules = {
    base: new Set(),
    allowed: new Map(),
    packages: new Map(),
    pure: new Set(),
    io: new Set(),
  };
  for (const raw of block.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const arrow = words.indexOf('->');
    const after = new Set(words.slice(arrow + 1));
    if (words[0] === 'base' && words[1] === '=') rules.base = new Set(words.slice(2));
    else if (words[0] === 'io' && words[1] === '=') rules.io = new Set(words.slice(2));
    else if (words[0] === 'pure') for (const unit of words.slice(1)) rules.pure.add(unit);
    else if (words[0] === 'package' && arrow === 2) rules.packages.set(words[1]!, after);
    else if (arrow === 1) rules.allowed.set(words[0]!, after);
    else throw new Error(`architecture document, layers block: cannot read "${line}"`);
  }
  return rules;
}

/** Every module specifier `source` imports, type-only and dynamic ones included (comments are not). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** `cli/commands/status.ts` → `cli`; a root file `errors.ts` → `errors`. */
export function unitOf(file: string): string {
  const [first, ...rest] = file.split('/');
  return rest.length > 0 ? first! : first!.replace(/\.ts$/, '');
}

/** A relative specifier from `file` (both relative to src/) → `folder/name` without extension. */
function resolveRelative(file: string, specifier: string): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return joined.replace(/\.(js|ts)$/, '');
}

/** Whether `target` (`ssh/connection`) is covered by `entries` (`ssh` or `ssh/connection`). */
function covered(entries: Set<string> | undefined, target: string): boolean {
  if (!entries) return false;
  const unit = unitOf(`${target}.ts`);
  return entries.has(unit) || entries.has(target);
}

function checkRelative(rules: Rules, file: string, target: string): string | undefined {
  const from = unitOf(file);
  const to = unitOf(`${target}.ts`);
  if (from === to || rules.base.has(to)) return undefined;
  if (!rules.allowed.has(from)) return `src/${from} has no rule in the layers block`;
  if (covered(rules.allowed.get(from), target)) return undefined;
  return `${from} may not import ${to}`;
}

function checkPackage(rules: Rules, file: string, specifier: string): string | undefined {
  const from = unitOf(file);
  const self = file.replace(/\.ts$/, '');
  if (rules.pure.has(from) && rules.io.has(specifier)) return `${from} is pure: no ${specifier}`;
  const owners = rules.packages.get(specifier);
  if (owners && !owners.has(from) && !owners.has(self)) {
    return `only ${[...owners].join(', ')} may import ${specifier}`;
  }
  return undefined;
}

/** The forbidden arrows in `sources` (path relative to src/ → its text), in file order. */
export function violations(rules: Rules, sources: ReadonlyMap<string, string>): Violation[] {
  const found: Violation[] = [];
  for (const file of [...sources.keys()].sort()) {
    for (const specifier of importsOf(sources.get(file)!)) {
      const relative = specifier.startsWith('.');
      const imports = relative ? resolveRelative(file, specifier) : specifier;
      const why = relative ? checkRelative(rules, file, imports) : checkPackage(rules, file, specifier);
      if (why) found.push({ file, imports, why });
    }
  }
  return found;
}
