import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultNames, rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
import { parseKubeconfigGetOutput } from '../../../src/remote/k3d-parse.js';

const k3dOutput = readFileSync(
  new URL('../../fixtures/kubeconfig/k3d-kubeconfig-get-my-app.txt', import.meta.url),
  'utf8',
);
const k3dYaml = parseKubeconfigGetOutput(k3dOutput);
const field = (name: string) => new RegExp(`${name}: (\\S+)`).exec(k3dYaml)?.[1];
const names = defaultNames('my-app', 'devbox');
const options = { server: 'https://127.0.0.1:16443', names };

describe('defaultNames', () => {
  it('extends k3d’s names with the dev server', () => {
    expect(defaultNames('my-app', 'devbox')).toEqual({
      cluster: 'k3d-my-app@devbox',
      context: 'k3d-my-app@devbox',
      user: 'admin@k3d-my-app@devbox',
    });
  });
});

describe('rewriteKubeconfig', () => {
  it('points the cluster at the local forward under the new names, credentials untouched', () => {
    const entries = rewriteKubeconfig(k3dYaml, options);
    expect(entries).toEqual({
      cluster: {
        cluster: {
          'certificate-authority-data': field('certificate-authority-data'),
          server: 'https://127.0.0.1:16443',
        },
        name: 'k3d-my-app@devbox',
      },
      context: {
        context: { cluster: 'k3d-my-app@devbox', user: 'admin@k3d-my-app@devbox' },
        name: 'k3d-my-app@devbox',
      },
      user: {
        name: 'admin@k3d-my-app@devbox',
        user: {
          'client-certificate-data': field('client-certificate-data'),
          'client-key-data': field('client-key-data'),
        },
      },
      dropped: [],
    });
    expect(field('certificate-authority-data')?.length).toBeGreaterThan(500);
  });

  it('drops a context namespace (k3d writes none) and says so', () => {
    const withNamespace = k3dYaml.replace(
      '    cluster: k3d-my-app\n    user:',
      '    cluster: k3d-my-app\n    namespace: shop\n    user:',
    );
    const entries = rewriteKubeconfig(withNamespace, options);
    expect(entries.context.context).toEqual({ cluster: names.cluster, user: names.user });
    expect(entries.dropped).toEqual([
      {
        path: 'contexts[].context.namespace',
        reason: expect.stringContaining("k3d's kubeconfig has no such field"),
      },
    ]);
  });

  it.each([
    ['not YAML', 'a: [1\n', /is not valid YAML/],
    ['a list', '- a\n- b\n', /is not a YAML mapping/],
    ['no users', k3dYaml.replace(/users:[\s\S]*$/, 'users: []\n'), /has no "users" entries/],
    ['no clusters', k3dYaml.replace(/clusters:[\s\S]*?contexts:/, 'contexts:'), /has no "clusters" entries/],
    [
      'no contexts',
      k3dYaml.replace(/contexts:[\s\S]*?current-context:/, 'current-context:'),
      /has no "contexts" entries/,
    ],
    [
      'a context naming a missing user',
      k3dYaml.replace('user: admin@k3d-my-app', 'user: someone-else'),
      /context "k3d-my-app" naming user "someone-else", which is not in "users"/,
    ],
  ])('rejects %s as KUBECONFIG, saying what is missing', (_case, yaml, message) => {
    expect(() => rewriteKubeconfig(yaml, options)).toThrow(expect.objectContaining({ code: 'KUBECONFIG' }));
    expect(() => rewriteKubeconfig(yaml, options)).toThrow(message);
  });
});

describe('what the dev server chose, in errors', () => {
  const config = () => parse(k3dYaml);
  const messageOf = (text: string): string => {
    try {
      rewriteKubeconfig(text, options);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('quotes a huge user reference or entry name in at most a few hundred characters', () => {
    const hugeUser = config();
    hugeUser.contexts[0].context.user = { nested: 'x'.repeat(100_000), more: Array(1000).fill('y') };
    const message = messageOf(stringify(hugeUser));
    expect(message).toContain('naming user {"nested":"xxx');
    expect(message.length).toBeLessThan(800);

    const hugeName = config();
    hugeName.clusters[0].name = 'c'.repeat(100_000);
    hugeName.contexts[0].context.cluster = hugeName.clusters[0].name;
    delete hugeName.clusters[0].cluster;
    expect(messageOf(stringify(hugeName)).length).toBeLessThan(800);
  });

  it('lists a few of thousands of dropped fields, a count for the rest, and bounds each key', () => {
    const many = config();
    delete many.users[0].user['client-key-data'];
    for (let i = 0; i < 3000; i++) many.users[0].user[`k${i}`] = i;
    many.users[0].user['z'.repeat(50_000)] = 1;
    const message = messageOf(stringify(many));
    expect(message).toContain('also dropped: users[].user.k0, users[].user.k1');
    expect(message).toContain(', and 2996 more)');
    expect(message.length).toBeLessThan(1000);
  });
});
