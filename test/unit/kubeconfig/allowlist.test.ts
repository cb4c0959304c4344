// What a dev server's kubeconfig may bring onto this machine: only the embedded CA, certificate and key
// (and tls-server-name). Everything else is dropped and named; without a usable credential, no entry.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { safeText } from '../../../src/cli/render.js';
import {
  allowed,
  type DroppedField,
  MAX_DATA_CHARS,
  unsafeFields,
} from '../../../src/kubeconfig/allowlist.js';
import { defaultNames, rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
import { renderStandaloneKubeconfig } from '../../../src/kubeconfig/write.js';
import { parseKubeconfigGetOutput } from '../../../src/remote/k3d-parse.js';

const k3dYaml = parseKubeconfigGetOutput(
  readFileSync(new URL('../../fixtures/kubeconfig/k3d-kubeconfig-get-my-app.txt', import.meta.url), 'utf8'),
);
const names = defaultNames('my-app', 'devbox');
const options = { server: 'https://127.0.0.1:16443', names };

type Fields = Record<string, unknown>;
interface Injected {
  cluster?: Fields;
  user?: Fields;
  context?: Fields;
}

/** k3d's kubeconfig with fields added to (or replaced in) its cluster, user and context sections. */
function hostile(inject: Injected, remove: { user?: string[]; cluster?: string[] } = {}): string {
  const config = parse(k3dYaml);
  addOwn(config.clusters[0].cluster, inject.cluster);
  addOwn(config.users[0].user, inject.user);
  addOwn(config.contexts[0].context, inject.context);
  for (const key of remove.user ?? []) delete config.users[0].user[key];
  for (const key of remove.cluster ?? []) delete config.clusters[0].cluster[key];
  return stringify(config, { version: '1.1' }); // as client-go reads it: `N` stays a string key
}

/** Object.assign without its setter semantics, so a `__proto__` key becomes a field as YAML makes it. */
function addOwn(target: Fields, fields: Fields = {}): void {
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

// Keys named after what every object inherits: a lookup table must not mistake them for its entries.
const BUILT_IN_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

const pem = (type: string, body = 'QUJD') => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const EXEC = { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'touch /tmp/x'] };

describe('the kubeconfig allowlist', () => {
  it.each([
    ['user', 'exec', EXEC, 'a credential plugin would run a program on this machine'],
    [
      'user',
      'auth-provider',
      { name: 'oidc', config: {} },
      'an auth provider plugin would run on this machine',
    ],
    ['user', 'tokenFile', '/home/me/.ssh/id_ed25519', 'send a file of this machine to the server'],
    ['user', 'client-certificate', '/etc/passwd', 'kubectl would read a file on this machine'],
    ['user', 'client-key', '/etc/shadow', 'kubectl would read a file on this machine'],
    ['user', 'token', 'abc', "k3d's kubeconfig has no such field"],
    ['user', 'username', 'admin', "k3d's kubeconfig has no such field"],
    ['user', 'as', 'system:admin', "k3d's kubeconfig has no such field"],
    [
      'cluster',
      'certificate-authority',
      '/etc/ssl/private/key.pem',
      'kubectl would read a file on this machine',
    ],
    ['cluster', 'proxy-url', 'http://evil.example:3128', 'through a proxy the dev server chose'],
    ['cluster', 'insecure-skip-tls-verify', true, "would not verify the API server's certificate"],
    ['cluster', 'extensions', [{ name: 'x', extension: {} }], "k3d's kubeconfig has no such field"],
    ['context', 'namespace', 'kube-system', "k3d's kubeconfig has no such field"],
  ] as const)('drops %s.%s and says why', (section, key, value, reason) => {
    const entries = rewriteKubeconfig(hostile({ [section]: { [key]: value } }), options);
    const written = {
      cluster: entries.cluster.cluster,
      user: entries.user.user,
      context: entries.context.context,
    };
    expect(written[section]).not.toHaveProperty(key);
    expect(entries.dropped).toEqual([
      { path: `${section}s[].${section}.${key}`, reason: expect.stringContaining(reason) },
    ]);
    // Nor does anything of it reach the text tunnel would write.
    expect(renderStandaloneKubeconfig([entries], names.context)).not.toContain(`${key}:`);
  });

  it('keeps a valid tls-server-name, drops one that is not a host name', () => {
    expect(
      rewriteKubeconfig(hostile({ cluster: { 'tls-server-name': 'k3d.local' } }), options),
    ).toMatchObject({
      cluster: { cluster: { 'tls-server-name': 'k3d.local' } },
      dropped: [],
    });
    const bad = rewriteKubeconfig(hostile({ cluster: { 'tls-server-name': 'a b\nc' } }), options);
    expect(bad.cluster.cluster).not.toHaveProperty('tls-server-name');
    expect(bad.dropped[0]?.path).toBe('clusters[].cluster.tls-server-name');
  });

  it('passes only allowed keys whatever else the dev server adds (property)', () => {
    // "<<" is YAML's merge key, with a behaviour of its own (the next test), not an unknown field.
    const key = fc.oneof(
      fc.constantFrom(...BUILT_IN_KEYS),
      fc.string({ minLength: 1, maxLength: 20 }).filter((text) => text !== '<<'),
    );
    // Nested values too: a "<<" key inside a value is a merge of a non-map, which the YAML reader refuses
    // as a whole (a clear "cannot be read" error, tested with the merge key), not a field to drop.
    const section = fc
      .dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
      .filter((fields) => !JSON.stringify(fields).includes('"<<":'));
    fc.assert(
      fc.property(section, section, section, (cluster, user, context) => {
        const entries = rewriteKubeconfig(hostile({ cluster, user, context }), options);
        const allowedCluster = ['certificate-authority-data', 'server', 'tls-server-name'];
        expect(Object.keys(entries.cluster.cluster).every((k) => allowedCluster.includes(k))).toBe(true);
        expect(
          Object.keys(entries.user.user).every((k) => k.startsWith('client-') && k.endsWith('-data')),
        ).toBe(true);
        expect(Object.keys(entries.context.context).sort()).toEqual(['cluster', 'user']);
        expect(entries.cluster.cluster.server).toBe(options.server);
        for (const k of Object.keys(user)) {
          if (!['client-certificate-data', 'client-key-data'].includes(k))
            expect(entries.dropped.map((d) => d.path)).toContain(`users[].user.${k}`);
        }
        // Every reason is text the CLI can print, also after the JSON trip from the agent.
        const report = JSON.parse(JSON.stringify(entries.dropped)) as DroppedField[];
        for (const dropped of report) expect(typeof dropped.reason).toBe('string');
        for (const dropped of report) expect(() => safeText(dropped.reason)).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });
});

describe('keys named after built-in object properties', () => {
  it('refuses a YAML merge key whose source is not a map with a clear error (as go-yaml does), never a crash', () => {
    // Found by the property above: `<<: null` anywhere in k3d's answer makes the YAML unreadable.
    const text = hostile({ context: { ' ': { '<<': null } } });
    expect(() => rewriteKubeconfig(text, options)).toThrow(
      expect.objectContaining({
        code: 'KUBECONFIG',
        message: expect.stringContaining('cannot be read: Merge sources must be maps'),
      }),
    );
  });

  it.each(BUILT_IN_KEYS)('drops a user or cluster field named %s as unknown to k3d', (key) => {
    const entries = rewriteKubeconfig(hostile({ user: { [key]: 'x' }, cluster: { [key]: 'y' } }), options);
    expect(entries.dropped).toEqual([
      {
        path: `clusters[].cluster.${key}`,
        reason: expect.stringContaining("k3d's kubeconfig has no such field"),
      },
      { path: `users[].user.${key}`, reason: expect.stringContaining("k3d's kubeconfig has no such field") },
    ]);
  });

  it('names a huge key by its first hundred characters', () => {
    const [dropped] = allowed('user', { ['z'.repeat(50_000)]: 1 }).dropped;
    expect(dropped?.path).toBe(`users[].user.${'z'.repeat(100)}…`);
  });

  it.each(BUILT_IN_KEYS)('does not call a field named %s unsafe in an existing entry (doctor)', (key) => {
    const fields = JSON.parse(`{"${key}": "x"}`) as Record<string, unknown>;
    expect(unsafeFields('user', fields)).toEqual([]);
    expect(unsafeFields('cluster', fields)).toEqual([]);
  });
});

describe('a kubeconfig without a usable embedded credential', () => {
  it.each([
    [
      'no client key, an exec plugin instead',
      hostile({ user: { exec: EXEC } }, { user: ['client-key-data'] }),
      ['users[].user.client-key-data: it is missing', 'also dropped: users[].user.exec'],
    ],
    [
      'a CA path instead of CA data',
      hostile(
        { cluster: { 'certificate-authority': '/etc/ca.pem' } },
        { cluster: ['certificate-authority-data'] },
      ),
      ['clusters[].cluster.certificate-authority-data: it is missing'],
    ],
    [
      'a key that is not base64',
      hostile({ user: { 'client-key-data': 'not base64!' } }),
      ['client-key-data: it is not base64'],
    ],
    [
      'a certificate that is not PEM',
      hostile({ user: { 'client-certificate-data': b64('hello') } }),
      ['it is not PEM'],
    ],
    [
      'a key where the certificate goes',
      hostile({ user: { 'client-certificate-data': b64(pem('PRIVATE KEY')) } }),
      ['PEM block of another kind'],
    ],
    [
      'PEM followed by a script',
      hostile({ cluster: { 'certificate-authority-data': b64(`${pem('CERTIFICATE')}#!/bin/sh\n`) } }),
      ['more than PEM blocks'],
    ],
    [
      'a huge CA',
      hostile({
        cluster: { 'certificate-authority-data': b64(pem('CERTIFICATE', 'A'.repeat(MAX_DATA_CHARS))) },
      }),
      ['longer than'],
    ],
  ])('gives no entries when it has %s, saying why', (_case, text, messages) => {
    let error: unknown;
    try {
      rewriteKubeconfig(text, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'KUBECONFIG', hint: expect.stringContaining('k3d kubeconfig get') });
    const message = (error as Error).message;
    expect(message).toContain('has no usable embedded credential');
    expect(message).toContain('its forwards still run');
    for (const part of messages) expect(message).toContain(part);
  });

  it('accepts an RSA or EC key and a certificate chain', () => {
    const text = hostile({
      user: {
        'client-certificate-data': b64(pem('CERTIFICATE') + pem('CERTIFICATE', 'REVG')),
        'client-key-data': b64(pem('RSA PRIVATE KEY')),
      },
    });
    expect(rewriteKubeconfig(text, options).dropped).toEqual([]);
  });
});
