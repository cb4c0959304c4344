import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerVersion, parseMinApi } from '../../../src/doctor/docker.js';
import { contextCredentials, unsafeContexts } from '../../../src/doctor/kube-context.js';
import { findBanner } from '../../../src/doctor/reach.js';
import { displayKeyType } from '../../../src/ssh/probe.js';

const exec = (code: number | null, stdout: string, stderr = '') => ({
  code,
  stdout,
  stderr,
  signal: undefined,
});

describe('parseDockerVersion', () => {
  it('reads the engine version after its marker, past a login banner', () => {
    const result = exec(0, 'Welcome to devserver\ntunnel-docker-engine 28.5.1\n');
    expect(parseDockerVersion(result)).toEqual({ kind: 'up', version: '28.5.1' });
  });

  it('reads the oldest client API the engine serves, and nothing from a failed template (Podman)', () => {
    expect(parseMinApi(exec(0, 'motd\ntunnel-docker-engine 1.44\n'))).toBe('1.44');
    expect(parseMinApi(exec(0, 'tunnel-docker-engine <no value>\n'))).toBeUndefined();
    const podman = `Error: template: version:1:24: executing "version" at <.MinAPIVersion>: can't evaluate field MinAPIVersion in type *define.Version\n`;
    expect(parseMinApi(exec(125, '', podman))).toBeUndefined();
  });

  it("says the engine is down with docker's own words when the server part is missing", () => {
    const stderr =
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';
    expect(parseDockerVersion(exec(1, 'tunnel-docker-engine <no value>\n', stderr))).toEqual({
      kind: 'down',
      message: stderr.trim(),
    });
  });

  it('tells a permission problem apart', () => {
    const stderr =
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n';
    expect(parseDockerVersion(exec(1, '', stderr)).kind).toBe('denied');
  });

  it('reports a missing docker command (exit 127)', () => {
    expect(parseDockerVersion(exec(127, ''))).toEqual({ kind: 'no-cli' });
  });
});

describe('findBanner', () => {
  it('finds the SSH identification line, also after other lines (RFC 4253 4.2)', () => {
    expect(findBanner('SSH-2.0-OpenSSH_9.6\r\n')).toBe('SSH-2.0-OpenSSH_9.6');
    expect(findBanner('hello\r\nSSH-2.0-dropbear\r\n')).toBe('SSH-2.0-dropbear');
  });

  it('waits for a complete line', () => {
    expect(findBanner('SSH-2.0-Open')).toBeUndefined();
    expect(findBanner('HTTP/1.1 400 Bad Request\r\n')).toBeUndefined();
  });
});

describe('displayKeyType', () => {
  it("uses OpenSSH's names", () => {
    expect(displayKeyType('ssh-ed25519')).toBe('ED25519');
    expect(displayKeyType('ecdsa-sha2-nistp256')).toBe('ECDSA');
    expect(displayKeyType('rsa-sha2-512')).toBe('RSA');
  });
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nca\n')}
    server: https://127.0.0.1:16443
  name: k3d-my-app@devserver
- cluster:
    server: https://example.com
  name: other
contexts:
- context:
    cluster: k3d-my-app@devserver
    user: admin@k3d-my-app@devserver
  name: k3d-my-app@devserver
- context:
    cluster: other
    user: nobody
  name: broken
current-context: broken
kind: Config
users:
- name: admin@k3d-my-app@devserver
  user:
    client-certificate-data: ${b64('cert')}
    client-key-data: ${b64('key')}
`;

describe('contextCredentials', () => {
  it('reads the named context, not the current one', () => {
    expect(contextCredentials(KUBECONFIG, 'k3d-my-app@devserver', '/k')).toEqual({
      server: 'https://127.0.0.1:16443',
      ca: '-----BEGIN CERTIFICATE-----\nca\n',
      cert: 'cert',
      key: 'key',
    });
  });

  it('says what is wrong with a missing or incomplete context', () => {
    expect(() => contextCredentials(KUBECONFIG, 'nope', '/k')).toThrow('/k: context "nope" is missing');
    expect(() => contextCredentials(KUBECONFIG, 'broken', '/k')).toThrow('has no certificate-authority-data');
    expect(() => contextCredentials('[', 'x', '/k')).toThrow('not a kubeconfig');
  });
});

describe('contextCredentials on a context carrying what tunnel never writes', () => {
  it.each([
    [
      'users',
      '    exec: {command: sh, args: [-c, "touch /tmp/pwned"]}',
      'users[].user.exec',
      'run a program',
    ],
    ['users', '    tokenFile: /home/me/.ssh/id_ed25519', 'users[].user.tokenFile', 'as a token'],
    ['clusters', '    proxy-url: http://evil.example:3128', 'clusters[].cluster.proxy-url', 'proxy'],
    [
      'clusters',
      '    insecure-skip-tls-verify: true',
      'clusters[].cluster.insecure-skip-tls-verify',
      'not verify',
    ],
    [
      'clusters',
      '    certificate-authority: /etc/ca.pem',
      'clusters[].cluster.certificate-authority',
      'read a file',
    ],
  ])('flags %s: %s', (list, line, path, reason) => {
    const anchor = list === 'users' ? '    client-key-data:' : '    server: https://127.0.0.1:16443';
    const text = KUBECONFIG.replace(anchor, `${line}\n${anchor}`);
    let error: unknown;
    try {
      contextCredentials(text, 'k3d-my-app@devserver', '/k');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'KUBECONFIG',
      message: expect.stringContaining(`carries what tunnel never writes: ${path}`),
      hint: expect.stringContaining('kubectl config delete-context k3d-my-app@devserver'),
    });
    expect((error as Error).message).toContain(reason);
  });
});

describe('unsafeContexts', () => {
  it('names the contexts of a kubeconfig file that carry an exec plugin, and [] without the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-unsafe-'));
    try {
      const file = path.join(dir, 'config');
      const anchor = '    client-key-data:';
      fs.writeFileSync(file, KUBECONFIG.replace(anchor, `    exec: {command: sh}\n${anchor}`));
      const found = await unsafeContexts(file, ['k3d-my-app@devserver', 'broken', 'absent']);
      expect(found).toEqual([
        {
          context: 'k3d-my-app@devserver',
          problem: expect.stringContaining('users[].user.exec (a credential plugin would run a program'),
          hint: expect.stringContaining('kubectl config delete-context k3d-my-app@devserver'),
        },
      ]);
      expect(await unsafeContexts(path.join(dir, 'none'), ['k3d-my-app@devserver'])).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
