// The node path the login item records: Homebrew's versioned Cellar path (what process.execPath is, as
// node resolves its own symlinks) becomes the opt/bin link that follows `brew upgrade`; every other
// install keeps execPath. The file system is a fixture of symlinks shaped like each installer's layout.
import { describe, expect, it } from 'vitest';
import { type NodePathPorts, stableNodePath } from '../../../src/agent/stable-node.js';

/** A file system of real files and symlinks (absolute targets), resolved like realpath(3). */
function fixture(links: Record<string, string>, files: string[]): NodePathPorts {
  return {
    realpath(file: string): string {
      let current = file;
      for (let hops = 0; hops < 10; hops += 1) {
        // A link on any directory of the path: /opt/homebrew/opt/node → ../Cellar/node/23.3.0.
        const link = Object.keys(links).find((from) => current === from || current.startsWith(`${from}/`));
        if (!link) break;
        current = `${links[link]}${current.slice(link.length)}`;
      }
      if (!files.includes(current)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return current;
    },
  };
}

describe('stableNodePath', () => {
  it('records the opt link on Apple Silicon (/opt/homebrew), which `brew upgrade node` repoints', () => {
    const cellar = '/opt/homebrew/Cellar/node/23.3.0/bin/node';
    const fs = fixture(
      {
        '/opt/homebrew/opt/node': '/opt/homebrew/Cellar/node/23.3.0',
        '/opt/homebrew/bin/node': cellar,
      },
      [cellar],
    );
    const stable = stableNodePath(cellar, fs);
    expect(stable.path).toBe('/opt/homebrew/opt/node/bin/node');
    expect(stable.reason).toContain('brew upgrade');
  });

  it('does the same on an Intel Mac (/usr/local) and under linuxbrew', () => {
    for (const prefix of ['/usr/local', '/home/linuxbrew/.linuxbrew']) {
      const cellar = `${prefix}/Cellar/node/22.11.0_1/bin/node`;
      const fs = fixture({ [`${prefix}/opt/node`]: `${prefix}/Cellar/node/22.11.0_1` }, [cellar]);
      expect(stableNodePath(cellar, fs).path).toBe(`${prefix}/opt/node/bin/node`);
    }
  });

  it('keeps a keg-only node@20 on its own opt link, not the prefix bin/node of another formula', () => {
    const cellar = '/opt/homebrew/Cellar/node@20/20.18.1/bin/node';
    const fs = fixture(
      {
        '/opt/homebrew/opt/node@20': '/opt/homebrew/Cellar/node@20/20.18.1',
        '/opt/homebrew/opt/node': '/opt/homebrew/Cellar/node/23.3.0',
        // bin/node is the linked `node` formula: a different binary.
        '/opt/homebrew/bin/node': '/opt/homebrew/Cellar/node/23.3.0/bin/node',
      },
      [cellar, '/opt/homebrew/Cellar/node/23.3.0/bin/node'],
    );
    expect(stableNodePath(cellar, fs).path).toBe('/opt/homebrew/opt/node@20/bin/node');
  });

  it('falls back to <prefix>/bin/node when only that link resolves to the same binary', () => {
    const cellar = '/usr/local/Cellar/node/23.3.0/bin/node';
    const fs = fixture({ '/usr/local/bin/node': cellar }, [cellar]);
    expect(stableNodePath(cellar, fs).path).toBe('/usr/local/bin/node');
  });

  it('keeps the Cellar path when no link leads to this binary (an older keg still installed)', () => {
    const old = '/opt/homebrew/Cellar/node/22.1.0/bin/node';
    const fs = fixture(
      {
        '/opt/homebrew/opt/node': '/opt/homebrew/Cellar/node/23.3.0',
        '/opt/homebrew/bin/node': '/opt/homebrew/Cellar/node/23.3.0/bin/node',
      },
      [old, '/opt/homebrew/Cellar/node/23.3.0/bin/node'],
    );
    // Recording opt would silently switch the agent to another node: keep what ran install.
    expect(stableNodePath(old, fs)).toEqual({ path: old, reason: undefined });
  });

  it('keeps execPath for nvm, fnm, Volta, asdf and the nodejs.org installer', () => {
    const paths = [
      '/Users/me/.nvm/versions/node/v20.11.0/bin/node',
      '/Users/me/Library/Application Support/fnm/node-versions/v22.1.0/installation/bin/node',
      '/Users/me/.volta/tools/image/node/20.11.0/bin/node',
      '/Users/me/.asdf/installs/nodejs/20.11.0/bin/node',
      '/usr/local/bin/node',
    ];
    const fs = fixture({}, paths);
    for (const node of paths) expect(stableNodePath(node, fs)).toEqual({ path: node, reason: undefined });
  });

  it('keeps execPath when the Cellar path cannot be resolved', () => {
    const cellar = '/opt/homebrew/Cellar/node/23.3.0/bin/node';
    expect(stableNodePath(cellar, fixture({}, [])).path).toBe(cellar);
  });
});
