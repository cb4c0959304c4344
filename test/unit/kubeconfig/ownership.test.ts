// tunnel replaces and removes only the kubeconfig entries it wrote (marked with an extension naming the
// host), checked against real kubectl; and it never replaces a read-only kubeconfig.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { TunnelError } from '../../../src/errors.js';
import { namesForContext } from '../../../src/kubeconfig/fetch.js';
import { type KubeconfigEntries, rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
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
/** Entries as a session writes them: context `name` (e.g. --context-name '{cluster}' gives "prod"). */
const entries = (context: string, port = 16443): KubeconfigEntries =>
  rewriteKubeconfig(k3dYaml, { server: `https://127.0.0.1:${port}`, names: namesForContext(context) });
// biome-ignore lint/suspicious/noExplicitAny: a parsed kubeconfig edited by the cases
type Config = any;
const listNames = (list: { name: string }[] | undefined) => (list ?? []).map((item) => item.name);
const kubectl = (file: string, ...args: string[]) =>
  execFileSync('kubectl', args, { env: { ...process.env, KUBECONFIG: file }, encoding: 'utf8' });

let dir: string;
let file: string;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-ownership-'));
  file = path.join(dir, 'config');
  await fs.writeFile(file, fixture('existing-config.yaml'), { mode: 0o600 });
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('entries tunnel did not write', () => {
  it("refuses to replace the user's own context of the same name, with a hint", async () => {
    const before = await fs.readFile(file, 'utf8');
    const result = await mergeIntoKubeconfig(file, [entries('prod')], {
      owner: 'devbox',
      switchContext: true,
    });
    expect(result.changed).toBe(false);
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]).toMatchObject({
      context: 'prod',
      error: {
        code: 'KUBECONFIG',
        message: expect.stringContaining('already has a context named "prod" that tunnel did not write'),
        hint: expect.stringContaining('--context-name'),
      },
    });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('merges the other entries and leaves the conflicting one', async () => {
    const result = await mergeIntoKubeconfig(file, [entries('prod'), entries('k3d-shop@devbox', 6550)], {
      owner: 'devbox',
    });
    expect(result.refused.map((entry) => entry.context)).toEqual(['prod']);
    const config = parse(await fs.readFile(file, 'utf8'));
    expect(listNames(config.contexts)).toEqual(['prod', 'kind-dev', 'k3d-shop@devbox']);
    expect(config.contexts[0].context.namespace).toBe('payments');
  });

  it('refuses an entry tunnel wrote for another host', async () => {
    await mergeIntoKubeconfig(file, [entries('shared')], { owner: 'other-host' });
    const result = await mergeIntoKubeconfig(file, [entries('shared', 20000)], { owner: 'devbox' });
    expect(result.refused[0]?.error.message).toContain('did not write for devbox');
    expect(parse(await fs.readFile(file, 'utf8')).clusters[2].cluster.server).toBe('https://127.0.0.1:16443');
  });

  it("never removes the user's entries, and says which it left", async () => {
    const before = await fs.readFile(file, 'utf8');
    const result = await removeFromKubeconfig(file, [namesForContext('prod')], { owner: 'devbox' });
    expect(result).toMatchObject({
      changed: false,
      skipped: ['context "prod"'],
      contexts: { removed: [], left: ['prod'] },
    });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    const kindDev = { cluster: 'kind-dev', context: 'kind-dev', user: 'kind-dev' };
    const other = await removeFromKubeconfig(file, [kindDev], { owner: 'devbox' });
    expect(other.skipped).toEqual(['cluster "kind-dev"', 'context "kind-dev"', 'user "kind-dev"']);
  });
});

describe('entries of an older tunnel (no mark)', () => {
  const legacy = 'k3d-my-app@devbox';
  beforeEach(async () => {
    // What tunnel wrote before the mark: the same entries without extensions.
    const old = entries(legacy);
    const config = parse(await fs.readFile(file, 'utf8'));
    config.clusters.push(old.cluster);
    config.contexts.push(old.context);
    config.users.push(old.user);
    await fs.writeFile(file, JSON.stringify(config));
  });

  it('are refused unless the session record lists them, with a hint to delete them', async () => {
    const result = await mergeIntoKubeconfig(file, [entries(legacy, 20000)], { owner: 'devbox' });
    expect(result.refused[0]?.error.hint).toContain(
      `kubectl config delete-context ${legacy}; kubectl config delete-cluster ${legacy}; kubectl config delete-user admin@${legacy}`,
    );
  });

  it('are adopted (and marked) when the session record lists them, and removed at disconnect', async () => {
    const adopt = [legacy];
    const merged = await mergeIntoKubeconfig(file, [entries(legacy, 20000)], { owner: 'devbox', adopt });
    expect(merged.refused).toEqual([]);
    const config = parse(await fs.readFile(file, 'utf8'));
    expect(config.contexts[2].context.extensions).toEqual([
      { name: 'tunnel.dev/owner', extension: { host: 'devbox' } },
    ]);
    const removed = await removeFromKubeconfig(file, [namesForContext(legacy)], { owner: 'devbox' });
    expect(removed.skipped).toEqual([]);
    expect(listNames(parse(await fs.readFile(file, 'utf8')).contexts)).toEqual(['prod', 'kind-dev']);
  });
});

describe('the mark and real kubectl', () => {
  it('survives a kubectl edit, so the entry stays ours and disconnect removes it', async () => {
    const context = 'k3d-my-app@devbox';
    await mergeIntoKubeconfig(file, [entries(context)], { owner: 'devbox', switchContext: true });
    kubectl(file, 'config', 'set-context', '--current', '--namespace', 'shop');
    const viewed = parse(kubectl(file, 'config', 'view', '--raw', '-o', 'json'));
    const ours = viewed.contexts.find((entry: { name: string }) => entry.name === context);
    expect(ours.context).toMatchObject({
      namespace: 'shop',
      extensions: [{ name: 'tunnel.dev/owner', extension: { host: 'devbox' } }],
    });
    const again = await mergeIntoKubeconfig(file, [entries(context, 20000)], { owner: 'devbox' });
    expect(again.refused).toEqual([]);
    const removed = await removeFromKubeconfig(file, [namesForContext(context)], { owner: 'devbox' });
    expect(removed.skipped).toEqual([]);
    expect(kubectl(file, 'config', 'get-contexts', '-o', 'name').split('\n')).not.toContain(context);
  });
});

describe('a read-only kubeconfig', () => {
  it.each(['merge', 'remove'] as const)(
    'is refused on %s, as kubectl refuses it, and left as it is',
    async (op) => {
      await mergeIntoKubeconfig(file, [entries('k3d-my-app@devbox')], { owner: 'devbox' });
      await fs.chmod(file, 0o400);
      const before = await fs.readFile(file, 'utf8');
      const run =
        op === 'merge'
          ? mergeIntoKubeconfig(file, [entries('k3d-my-app@devbox', 20000)], { owner: 'devbox' })
          : removeFromKubeconfig(file, [namesForContext('k3d-my-app@devbox')], { owner: 'devbox' });
      await expect(run).rejects.toMatchObject({
        code: 'KUBECONFIG',
        message: expect.stringContaining('is read-only (mode 0400)'),
        hint: expect.stringContaining('chmod u+w'),
      });
      expect((await fs.stat(file)).mode & 0o777).toBe(0o400);
      expect(await fs.readFile(file, 'utf8')).toBe(before);
      expect((await fs.readdir(dir)).sort()).toEqual(['config', 'config.tunnel-backup']);
    },
  );

  it('comes with a chmod hint that pastes as that one file in sh and fish, whatever its path', async () => {
    const odd = path.join(dir, "it's $(touch pwned)", 'config');
    await fs.mkdir(path.dirname(odd));
    await fs.copyFile(file, odd);
    await fs.chmod(odd, 0o400);
    const error = (await mergeIntoKubeconfig(odd, [entries('k3d-my-app@devbox')], { owner: 'devbox' }).catch(
      (caught: unknown) => caught,
    )) as TunnelError;
    const command = /\((chmod u\+w .+)\), or have tunnel/.exec(error.hint ?? '')?.[1] ?? '';
    for (const shell of ['sh', 'fish']) {
      await fs.chmod(odd, 0o400);
      execFileSync(shell, ['-c', command], { cwd: dir });
      expect((await fs.stat(odd)).mode & 0o777).toBe(0o600);
    }
    expect((await fs.readdir(dir)).sort()).toEqual(['config', "it's $(touch pwned)"]);
  });

  it('not YAML: the kubectl config view hint names that one file in sh and fish', async () => {
    const odd = path.join(dir, "it's $(touch pwned).yaml");
    await fs.writeFile(odd, 'a: [');
    const error = (await mergeIntoKubeconfig(odd, [entries('k3d-my-app@devbox')], { owner: 'devbox' }).catch(
      (caught: unknown) => caught,
    )) as TunnelError;
    const word = /kubectl config view --kubeconfig (.+)\. Fix or move it/.exec(error.hint ?? '')?.[1] ?? '';
    for (const shell of ['sh', 'fish']) {
      expect(execFileSync(shell, ['-c', `printf %s ${word}`], { cwd: dir, encoding: 'utf8' })).toBe(odd);
    }
  });

  it('is refused as a standalone file too', async () => {
    const standalone = path.join(dir, 'standalone.yaml');
    const context = 'k3d-my-app@devbox';
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries(context)],
      context: context,
      owner: 'devbox',
    });
    await fs.chmod(standalone, 0o444);
    const before = await fs.readFile(standalone, 'utf8');
    const again = writeStandaloneKubeconfig(standalone, {
      entries: [entries(context, 20000)],
      context: context,
      owner: 'devbox',
    });
    await expect(again).rejects.toMatchObject({
      code: 'KUBECONFIG',
      message: expect.stringContaining('read-only'),
    });
    expect(await fs.readFile(standalone, 'utf8')).toBe(before);
  });
});

describe('a standalone file (--kubeconfig <file>)', () => {
  const context = 'k3d-my-app@devbox';

  it("is never the user's own kubeconfig replaced whole", async () => {
    const before = await fs.readFile(file, 'utf8');
    const run = writeStandaloneKubeconfig(file, {
      entries: [entries(context)],
      context: context,
      owner: 'devbox',
    });
    await expect(run).rejects.toMatchObject({
      code: 'KUBECONFIG',
      message: expect.stringContaining('holds entries tunnel did not write (cluster "arn:aws:eks'),
      hint: expect.stringContaining('a file of its own'),
    });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('replaces its own earlier file, and one an older tunnel wrote (our names, no mark)', async () => {
    const standalone = path.join(dir, 'standalone.yaml');
    await fs.writeFile(standalone, renderStandaloneKubeconfig([entries(context)], context));
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries(context, 20000)],
      context: context,
      owner: 'devbox',
    });
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries(context, 30000)],
      context: context,
      owner: 'devbox',
    });
    expect(parse(await fs.readFile(standalone, 'utf8')).clusters[0].cluster.server).toBe(
      'https://127.0.0.1:30000',
    );
    const other = writeStandaloneKubeconfig(standalone, {
      entries: [entries(context)],
      context: context,
      owner: 'elsewhere',
    });
    await expect(other).rejects.toMatchObject({ code: 'KUBECONFIG' });
  });

  it("replaces an older tunnel's file that also names a since-deleted cluster, keeping a backup", async () => {
    const standalone = path.join(dir, 'standalone.yaml');
    const gone = 'k3d-deleted@devbox';
    const older = renderStandaloneKubeconfig([entries(context), entries(gone, 6551)], context);
    await fs.writeFile(standalone, older);
    await writeStandaloneKubeconfig(standalone, {
      entries: [entries(context, 20000)],
      context,
      owner: 'devbox',
    });
    const written = parse(await fs.readFile(standalone, 'utf8'));
    expect(listNames(written.contexts)).toEqual([context]);
    expect(written.clusters[0].cluster.server).toBe('https://127.0.0.1:20000');
    expect(await fs.readFile(`${standalone}.tunnel-backup`, 'utf8')).toBe(older);
  });

  it.each([
    [
      'a server that is not a loopback forward',
      (c: Config) => {
        c.clusters[1].cluster.server = 'https://eks.example.com';
      },
    ],
    [
      'a user not named admin@<context>',
      (c: Config) => {
        c.contexts[1].context.user = 'me';
        c.users[1].name = 'me';
      },
    ],
    [
      'a context pointing at another cluster',
      (c: Config) => {
        c.contexts[1].context.cluster = 'k3d-my-app@devbox';
      },
    ],
    [
      'an extra user of its own',
      (c: Config) => {
        c.users.push({ name: 'ci-bot', user: { token: 't' } });
      },
    ],
  ])("still refuses an unmarked file with an entry not shaped like tunnel's: %s", async (_case, edit) => {
    const standalone = path.join(dir, 'standalone.yaml');
    const config = parse(
      renderStandaloneKubeconfig([entries(context), entries('k3d-other@devbox', 6551)], context),
    );
    edit(config);
    await fs.writeFile(standalone, stringify(config));
    const before = await fs.readFile(standalone, 'utf8');
    const run = writeStandaloneKubeconfig(standalone, {
      entries: [entries(context, 20000)],
      context,
      owner: 'devbox',
    });
    await expect(run).rejects.toMatchObject({
      code: 'KUBECONFIG',
      message: expect.stringContaining('did not write'),
    });
    expect(await fs.readFile(standalone, 'utf8')).toBe(before);
  });
});
