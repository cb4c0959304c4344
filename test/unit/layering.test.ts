// The layering is a test: every import in src/ (static, `export … from`, dynamic import()) against the
// rules in docs/architecture.md's ```layers block, so the page and the code cannot disagree. The cases
// below feed the checker made-up trees, so we know it would catch the arrows the architecture forbids.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, parseRules, violations } from '../layering.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');
const rules = parseRules(fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'));

function sourcesOf(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const file = entry.split(path.sep).join('/');
    sources.set(file, fs.readFileSync(path.join(dir, entry), 'utf8'));
  }
  return sources;
}

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

describe('the layering of src/', () => {
  it('every import follows the rules in docs/architecture.md', () => {
    const found = violations(rules, sourcesOf(SRC)).map((v) => `${v.file} → ${v.imports}: ${v.why}`);
    expect(found).toEqual([]);
  });

  it('every folder of src/ has its rule in the layers block', () => {
    const units = fs
      .readdirSync(SRC, { withFileTypes: true })
      .map((entry) => entry.name.replace(/\.ts$/, ''));
    const ruled = new Set([...rules.allowed.keys(), ...rules.base]);
    expect(units.filter((unit) => !ruled.has(unit))).toEqual([]);
  });
});

describe('the checker', () => {
  it('fails on a cli/ → ssh/ arrow', () => {
    const found = violations(
      rules,
      tree({ 'cli/commands/x.ts': "import { openConnection } from '../../ssh/connection.js';" }),
    );
    expect(found).toEqual([
      { file: 'cli/commands/x.ts', imports: 'ssh/connection', why: 'cli may not import ssh' },
    ]);
  });

  it('fails on a control/ → agent/ arrow, type-only or dynamic', () => {
    const found = violations(
      rules,
      tree({
        'control/protocol.ts': "import type { DisconnectResult } from '../agent/agent.js';",
        'control/client.ts': "export async function f() { return await import('../agent/spawn.js'); }",
      }),
    );
    expect(found.map((v) => `${v.file}: ${v.why}`)).toEqual([
      'control/client.ts: control may not import agent',
      'control/protocol.ts: control may not import agent',
    ]);
  });

  it('allows what the rules allow: a file named in a rule, the base modules, a folder importing itself', () => {
    const found = violations(
      rules,
      tree({
        'cli/commands/agent.ts': "import { ensureAgent } from '../../agent/autostart.js';",
        'cli/main.ts': "import { TunnelError } from '../errors.js';\nimport { x } from './render.js';",
        'ssh/exec.ts': "import { shellQuote } from '../shell-word.js';",
      }),
    );
    expect(found).toEqual([]);
    const other = violations(rules, tree({ 'cli/x.ts': "import { runAgent } from '../agent/handlers.js';" }));
    expect(other.map((v) => v.why)).toEqual(['cli may not import agent']);
  });

  it('a package with one home: execa and child_process outside process/ fail; agent/spawn.ts may spawn', () => {
    const found = violations(
      rules,
      tree({
        'ssh/x.ts': "import { execa } from 'execa';",
        'image/y.ts': "import { spawn } from 'node:child_process';",
        'agent/spawn.ts': "import { spawn } from 'node:child_process';",
      }),
    );
    expect(found.map((v) => `${v.file}: ${v.why}`)).toEqual([
      'image/y.ts: only process, agent/spawn may import node:child_process',
      'ssh/x.ts: only process may import execa',
    ]);
  });

  it('plan/ is pure: a socket or a process in it fails', () => {
    const found = violations(
      rules,
      tree({ 'plan/ports.ts': "import net from 'node:net';\nimport getPort from 'get-port';" }),
    );
    expect(found.map((v) => v.why)).toEqual(['plan is pure: no node:net', 'plan is pure: no get-port']);
  });

  it('a folder with no rule fails, naming it', () => {
    const found = violations(rules, tree({ 'newthing/a.ts': "import { b } from '../ssh/types.js';" }));
    expect(found.map((v) => v.why)).toEqual(['src/newthing has no rule in the layers block']);
  });

  it('reads every kind of import, and not the ones in comments', () => {
    const source = [
      "import type { A } from './a.js';",
      "export * from './b.js';",
      "import './c.js';",
      "const d = await import('./d.js');",
      "// import { e } from './e.js';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.js', './b.js', './c.js', './d.js']);
  });
});
