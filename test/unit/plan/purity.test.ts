// plan/ is pure: it decides which forwards exist and on which ports, and is handed every check that
// touches the machine (port probes, who holds a port). A socket or a process in here would make the
// planner's unit tests depend on this machine's state.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PLAN = new URL('../../../src/plan/', import.meta.url);
const EFFECTS = [
  /^node:(net|dgram|child_process|fs|fs\/promises|http|https|tls)$/,
  /^(get-port|execa)$/,
  /\/(process|local|forward|ssh)\//,
];

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (match) => match[1]!,
  );
}

describe('src/plan', () => {
  it('imports nothing that binds a socket, runs a process or reads a file', () => {
    const offending = fs
      .readdirSync(PLAN)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        importsOf(fs.readFileSync(path.join(PLAN.pathname, file), 'utf8'))
          .filter((specifier) => EFFECTS.some((pattern) => pattern.test(specifier)))
          .map((specifier) => `${file} → ${specifier}`),
      );
    expect(offending).toEqual([]);
  });
});
