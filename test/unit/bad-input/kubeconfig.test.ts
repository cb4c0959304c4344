// A kubeconfig we cannot read as one is never touched: merge and remove fail with a KUBECONFIG error and
// leave the file byte-for-byte as it was, with no temp file and no backup beside it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { defaultNames, type KubeconfigEntries, rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
import { mergeIntoKubeconfig, removeFromKubeconfig } from '../../../src/kubeconfig/write.js';
import { hostileText, valueOrTunnelError } from './helpers.js';

const names = defaultNames('my-app', 'devbox');
const entry: KubeconfigEntries = {
  cluster: { cluster: { server: 'https://127.0.0.1:16443' }, name: names.cluster },
  context: { context: { cluster: names.cluster, user: names.user }, name: names.context },
  user: { name: names.user, user: { token: 't' } },
  dropped: [],
};

/** Not YAML at all, or YAML that is not a kubeconfig: each must be refused. */
const NOT_KUBECONFIG: readonly (string | Buffer)[] = [
  'clusters: [unclosed',
  'a: b\n  c: d\n e: f',
  '\t- tab indented',
  'key: "unterminated',
  '- just\n- a\n- list\n',
  'plain scalar',
  '42',
  'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n',
  'spec: {}\nstatus: {}\n',
  'apiVersion: v1\nclusters: a string\n',
  'apiVersion: v1\nusers:\n- 1\n- 2\n',
  'apiVersion: v1\ncontexts: {name: x}\n',
  'a: &x [*x]\n',
  'apiVersion: v1\nclusters:\n- name: a\n  cluster: {}\n- [nested]\n',
  Buffer.from([0x61, 0x70, 0x69, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
  Buffer.concat([Buffer.from('apiVersion: v1\nclusters: []\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
  `${'['.repeat(10_000)}`,
  `${'a: '.repeat(5_000)}b`,
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tunnel-bad-kubeconfig-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** Writes `content` to a fresh file in its own directory; returns the file and the directory. */
async function freshFile(content: string | Buffer) {
  const home = path.join(dir, `case-${counter++}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(home);
  const file = path.join(home, 'config');
  await writeFile(file, content);
  return { home, file };
}

type Outcome = 'changed' | 'refused';

/** Runs one operation; a refusal must be a KUBECONFIG error that left the directory exactly as it was. */
async function attempt(content: string | Buffer, operation: 'merge' | 'remove'): Promise<Outcome> {
  const { home, file } = await freshFile(content);
  const before = await readFile(file);
  try {
    if (operation === 'merge')
      await mergeIntoKubeconfig(file, [entry], { owner: 'devbox', switchContext: true });
    else await removeFromKubeconfig(file, [names], { owner: 'devbox' });
    return 'changed';
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).code).toBe('KUBECONFIG');
    expect((error as TunnelError).hint).toBeTruthy();
    expect((error as TunnelError).message).toContain('unchanged');
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(await readdir(home)).toEqual(['config']);
    return 'refused';
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

describe('kubeconfig files that are not kubeconfigs', () => {
  it('refuses each known non-kubeconfig without touching it (merge and remove)', async () => {
    for (const content of NOT_KUBECONFIG) {
      expect(await attempt(content, 'merge'), String(content).slice(0, 60)).toBe('refused');
      expect(await attempt(content, 'remove'), String(content).slice(0, 60)).toBe('refused');
    }
  });

  it('on arbitrary text either merges or refuses cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileText,
          fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
          fc
            .tuple(fc.constantFrom('apiVersion: v1\n', 'kind: Config\n', 'clusters:\n', ''), hostileText)
            .map(([head, tail]) => head + tail),
        ),
        fc.constantFrom<'merge' | 'remove'>('merge', 'remove'),
        async (content, operation) => {
          await attempt(content, operation);
        },
      ),
      { numRuns: 120 },
    );
  });
});

/** A YAML "billion laughs": nine levels of ten aliases each. */
function laughs(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let level = 1; level < 9; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = `*${String.fromCharCode(96 + level)}`;
    lines.push(`${name}: &${name} [${Array(10).fill(previous).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('rewriteKubeconfig on what a dev server prints', () => {
  const options = { server: 'https://127.0.0.1:16443', names };
  const rewrite = (text: string) => {
    const outcome = valueOrTunnelError(() => rewriteKubeconfig(text, options));
    if (!outcome.ok) expect(outcome.error.code).toBe('KUBECONFIG');
    return outcome;
  };

  it('refuses alias bombs and self-referencing aliases with a KUBECONFIG error', () => {
    expect(rewrite(laughs()).ok).toBe(false);
    expect(rewrite('a: &a [*a]\n').ok).toBe(false);
    rewrite(
      'contexts:\n- name: x\n  context: &c {cluster: *c, user: *c}\nclusters: [{name: x, cluster: {}}]\n',
    );
  });

  it('returns entries or a KUBECONFIG error for arbitrary text and kubeconfig-shaped YAML', () => {
    const piece = fc.oneof(
      hostileText,
      fc.constantFrom(
        'clusters:',
        'contexts:',
        'users:',
        '- name: x',
        '  cluster: {}',
        '  context: {cluster: x, user: x}',
      ),
      fc.constantFrom(
        '  user: {}',
        'current-context: x',
        '&a',
        '*a',
        '- &a {name: x}',
        '- *a',
        '  server: *a',
        '---',
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (lines) => {
        rewrite(lines.join('\n'));
      }),
      { numRuns: 400 },
    );
  });
});
