import { mkdtempSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultNames, type KubeconfigEntries, rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
import { writeStandaloneKubeconfig } from '../../../src/kubeconfig/standalone.js';
import {
  mergeIntoKubeconfig,
  removeFromKubeconfig,
  renderStandaloneKubeconfig,
} from '../../../src/kubeconfig/write.js';
import { parseKubeconfigGetOutput } from '../../../src/remote/k3d-parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/kubeconfig/${name}`, import.meta.url), 'utf8');
const k3dYaml = parseKubeconfigGetOutput(fixture('k3d-kubeconfig-get-my-app.txt'));
const entries = (cluster = 'my-app', port = 16443): KubeconfigEntries =>
  rewriteKubeconfig(k3dYaml.replaceAll('k3d-my-app', `k3d-${cluster}`), {
    server: `https://127.0.0.1:${port}`,
    names: defaultNames(cluster, 'devbox'),
  });
const names = (list: { name: string }[] | undefined) => (list ?? []).map((item) => item.name);
const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-kubeconfig-'));
  file = path.join(dir, '.kube', 'config');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function existing(name: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = fixture(name);
  await fs.writeFile(file, text, { mode: 0o644 });
  return text;
}

describe('mergeIntoKubeconfig', () => {
  it('creates ~/.kube (0700) and a 0600 kubeconfig when there is none', async () => {
    const result = await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    expect(result).toEqual({ file, changed: true, backup: undefined, refused: [] });
    expect(await mode(path.dirname(file))).toBe(0o700);
    expect(await mode(file)).toBe(0o600);
    const config = parse(await fs.readFile(file, 'utf8'));
    expect(config).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': '' });
    expect(names(config.contexts)).toEqual(['k3d-my-app@devbox']);
    expect(config.clusters[0].cluster.server).toBe('https://127.0.0.1:16443');
  });

  it('adds our entries and leaves every other entry, comment, preference and the current context alone', async () => {
    const before = await existing('existing-config.yaml');
    await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    const text = await fs.readFile(file, 'utf8');
    const config = parse(text);
    const original = parse(before);
    expect(config.clusters.slice(0, 2)).toEqual(original.clusters);
    expect(config.users.slice(0, 2)).toEqual(original.users);
    expect(config.contexts.slice(0, 2)).toEqual(original.contexts);
    expect(names(config.contexts)).toEqual(['prod', 'kind-dev', 'k3d-my-app@devbox']);
    expect(config['current-context']).toBe('prod');
    expect(config.preferences).toEqual({ colors: true });
    for (const comment of [
      '# Managed by hand.',
      '# local kind cluster for experiments',
      '# careful: production',
    ]) {
      expect(text).toContain(comment);
    }
    // kubectl's list style (items flush with their key) is kept.
    expect(text).toContain('\nclusters:\n- cluster:\n');
    expect(await mode(file)).toBe(0o600);
  });

  it('switches the current context only when asked', async () => {
    await existing('existing-config.yaml');
    await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox', switchContext: true });
    expect(parse(await fs.readFile(file, 'utf8'))['current-context']).toBe('k3d-my-app@devbox');
    await mergeIntoKubeconfig(file, [entries('shop', 6550)], {
      owner: 'devbox',
      switchContext: 'k3d-shop@devbox',
    });
    expect(parse(await fs.readFile(file, 'utf8'))['current-context']).toBe('k3d-shop@devbox');
  });

  it('replaces entries of the same names instead of duplicating them', async () => {
    await mergeIntoKubeconfig(file, [entries('my-app', 16443)], { owner: 'devbox' });
    await mergeIntoKubeconfig(file, [entries('my-app', 20000)], { owner: 'devbox' });
    const config = parse(await fs.readFile(file, 'utf8'));
    expect(names(config.clusters)).toEqual(['k3d-my-app@devbox']);
    expect(config.clusters[0].cluster.server).toBe('https://127.0.0.1:20000');
  });

  it('keeps a one-time backup of the user’s file and does not rewrite it on a no-op merge', async () => {
    const before = await existing('existing-config.yaml');
    const first = await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    expect(first.backup).toBe(`${file}.tunnel-backup`);
    expect(await fs.readFile(`${file}.tunnel-backup`, 'utf8')).toBe(before);
    expect(await mode(`${file}.tunnel-backup`)).toBe(0o600);
    const second = await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    expect(second).toMatchObject({ changed: false, backup: undefined });
    await mergeIntoKubeconfig(file, [entries('shop', 6550)], { owner: 'devbox' });
    expect(await fs.readFile(`${file}.tunnel-backup`, 'utf8')).toBe(before);
  });

  it.each([
    ['garbage-merge-conflict.yaml', /is not valid YAML/],
    ['not-a-kubeconfig.yaml', /is not a kubeconfig/],
  ])('leaves %s untouched and says why', async (name, message) => {
    const before = await existing(name);
    const run = mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    await expect(run).rejects.toMatchObject({ code: 'KUBECONFIG', message: expect.stringMatching(message) });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    expect(await fs.readdir(path.dirname(file))).toEqual(['config']);
  });

  it('treats an empty file as an empty kubeconfig', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '');
    await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    expect(names(parse(await fs.readFile(file, 'utf8')).users)).toEqual(['admin@k3d-my-app@devbox']);
  });

  it('writes through a symlinked kubeconfig, keeping the link', async () => {
    const real = path.join(dir, 'dotfiles-kubeconfig');
    await fs.writeFile(real, fixture('existing-config.yaml'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.symlink(real, file);
    const result = await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    expect(result.file).toBe(await fs.realpath(real));
    expect((await fs.lstat(file)).isSymbolicLink()).toBe(true);
    expect(names(parse(await fs.readFile(real, 'utf8')).contexts)).toContain('k3d-my-app@devbox');
  });

  it('leaves no temporary files behind', async () => {
    await existing('existing-config.yaml');
    await mergeIntoKubeconfig(file, [entries(), entries('shop', 6550)], { owner: 'devbox' });
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['config', 'config.tunnel-backup']);
  });
});

describe('removeFromKubeconfig', () => {
  it('removes only our entries and unsets the current context if it was ours', async () => {
    const before = await existing('existing-config.yaml');
    await mergeIntoKubeconfig(file, [entries(), entries('shop', 6550)], {
      owner: 'devbox',
      switchContext: true,
    });
    const result = await removeFromKubeconfig(file, [defaultNames('my-app', 'devbox')], { owner: 'devbox' });
    expect(result.changed).toBe(true);
    const config = parse(await fs.readFile(file, 'utf8'));
    expect(names(config.contexts)).toEqual(['prod', 'kind-dev', 'k3d-shop@devbox']);
    expect(names(config.users)).toEqual([...names(parse(before).users), 'admin@k3d-shop@devbox']);
    expect(config['current-context']).toBe('');
  });

  it('keeps a current context that is not ours, and does nothing without a file', async () => {
    await existing('existing-config.yaml');
    await mergeIntoKubeconfig(file, [entries()], { owner: 'devbox' });
    await removeFromKubeconfig(file, [defaultNames('my-app', 'devbox')], { owner: 'devbox' });
    expect(parse(await fs.readFile(file, 'utf8'))['current-context']).toBe('prod');
    const missing = path.join(dir, 'nowhere', 'config');
    expect(
      await removeFromKubeconfig(missing, [defaultNames('my-app', 'devbox')], { owner: 'devbox' }),
    ).toMatchObject({
      changed: false,
    });
    await expect(fs.stat(missing)).rejects.toThrow();
  });
});

describe('writeStandaloneKubeconfig', () => {
  it('writes a 0600 file with only our entries and the given context current', async () => {
    const standalone = path.join(dir, 'tunnel', 'kubeconfig-devbox.yaml');
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries(), entries('shop', 6550)],
      context: 'k3d-shop@devbox',
      owner: 'devbox',
    });
    expect(await mode(standalone)).toBe(0o600);
    const config = parse(await fs.readFile(standalone, 'utf8'));
    expect(names(config.contexts)).toEqual(['k3d-my-app@devbox', 'k3d-shop@devbox']);
    expect(config['current-context']).toBe('k3d-shop@devbox');
    expect(config.kind).toBe('Config');
  });

  it('renders what it writes (without the owner mark), and refuses a current context it does not hold', async () => {
    const standalone = path.join(dir, 'standalone.yaml');
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries()],
      context: 'k3d-my-app@devbox',
      owner: 'devbox',
    });
    const written = parse(await fs.readFile(standalone, 'utf8'));
    for (const [list, section] of [
      ['clusters', 'cluster'],
      ['contexts', 'context'],
      ['users', 'user'],
    ] as const) {
      expect(written[list][0][section].extensions).toEqual([
        { name: 'tunnel.dev/owner', extension: { host: 'devbox' } },
      ]);
      delete written[list][0][section].extensions;
    }
    expect(parse(renderStandaloneKubeconfig([entries()], 'k3d-my-app@devbox'))).toEqual(written);
    expect(() => renderStandaloneKubeconfig([entries()], 'prod')).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});
