// Only cli/main.ts sets exit codes or exits: a command that has said what failed throws a CommandExit.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cliDir = new URL('../../../src/cli/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

describe('exit codes', () => {
  it('are set in cli/main.ts only', () => {
    const offenders = sources(cliDir)
      .filter((file) => path.relative(cliDir, file) !== 'main.ts')
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) =>
            /process\.exit(Code)?\b/.test(line) ? [`${path.relative(cliDir, file)}:${index + 1}`] : [],
          ),
      );
    expect(offenders).toEqual([]);
  });
});
