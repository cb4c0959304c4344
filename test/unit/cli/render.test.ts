import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderClusters, safeText } from '../../../src/cli/render.js';
import { VERSION } from '../../../src/version.js';
import { k3dCluster } from '../../builders.js';

describe('safeText', () => {
  it('shows a tab as an escape, never raw', () => {
    expect(safeText('a\tb')).toBe('a\\x09b');
  });
});

describe('renderClusters', () => {
  it('explains an empty dev server with the next command', () => {
    expect(renderClusters([])).toContain('k3d cluster create');
  });

  it("shows each cluster's warnings under the table (a port on the docker host's loopback is not forwarded)", () => {
    const warning =
      'host port 16443 is bound to 127.0.0.1 on the docker host 10.0.0.5: only that host reaches it, so it is not forwarded (publish it on 0.0.0.0 to forward it)';
    const lines = renderClusters([k3dCluster('my-app', { warnings: [warning] })]).split('\n');
    expect(lines.at(-1)).toBe(`warning: my-app: ${warning}`);
  });
});

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
