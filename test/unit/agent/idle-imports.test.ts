// What an agent with no session loads: bin/tunnel.js starts dist/agent/main.js, and everything it imports
// statically stays in the agent's RSS for days. The session layer (ssh2, yaml, the supervisor) comes with
// the first session (restore.ts's loadSessionModule). Imports are read from each file as the compiler emits
// it, so an import used only for types (elided from the output) does not count.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadSessionModule } from '../../../src/agent/restore.js';

const SRC = path.join(import.meta.dirname, '../../../src');

/** The static imports of one source file (relative ones resolved to src/ paths), as emitted. */
function staticImports(file: string): string[] {
  const source = fs.readFileSync(path.join(SRC, file), 'utf8');
  const emitted = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const specifiers = [
    ...emitted.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gms),
  ];
  return specifiers.map((match) => {
    const specifier = (match[1] ?? match[2])!;
    if (!specifier.startsWith('.')) return specifier;
    return path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts');
  });
}

/** Every file and package the entry loads before any dynamic import() runs. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.ts')) queue.push(...staticImports(file));
  }
  return seen;
}

describe('an agent with no session', () => {
  const loaded = staticClosure('agent/main.ts');

  it('loads neither the session layer nor ssh2, yaml, ws, execa or the CLI', () => {
    expect(loaded.has('agent/agent.ts')).toBe(true);
    const heavy = [...loaded].filter(
      (name) =>
        ['ssh2', 'yaml', 'ws', 'execa', 'commander', 'conf'].includes(name) ||
        /^(session|ssh|supervisor\/supervisor|kubeconfig|cli|forward)\//.test(name),
    );
    expect(heavy).toEqual([]);
  });

  it('loads the session layer when the first session starts', async () => {
    const { ManagedSession } = await loadSessionModule();
    expect(typeof ManagedSession).toBe('function');
    expect(await loadSessionModule()).toBe(await loadSessionModule());
  });
});
