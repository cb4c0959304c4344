import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderClusters, safeText } from '../../../src/cli/render.js';
import { VERSION } from '../../../src/version.js';

describe('safeText', () => {
  it('shows a tab as an escape, never raw', () => {
    expect(safeText('a\tb')).toBe('a\\x09b');
  });
});

describe('renderClusters', () => {
  it('explains an empty dev server with the next command', () => {
    expect(renderClusters([])).toContain('k3d cluster create');
  });
});

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
