import { describe, expect, it } from 'vitest';
import { runDemoCommand, splitWords } from '../../../src/demo/commands.js';
import { demoCluster } from '../../../src/demo/world.js';
import { rewriteKubeconfig } from '../../../src/kubeconfig/rewrite.js';
import { parseK3dVersion } from '../../../src/remote/k3d-log.js';
import { parseClusterList, parseKubeconfigGetOutput } from '../../../src/remote/k3d-parse.js';
import { quoteArgv, remoteCommand, shellQuote } from '../../../src/ssh/exec.js';

// Shaped like PEM (the kubeconfig rewrite accepts only PEM blocks), bodies made up.
const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
const certs = {
  serverCa: pem('CERTIFICATE', 'c2VydmVyLWNh'),
  clientCa: pem('CERTIFICATE', 'Y2xpZW50LWNh'),
  servingCert: 'serving',
  servingKey: 'serving-key',
  adminCert: pem('CERTIFICATE', 'YWRtaW4='),
  adminKey: pem('EC PRIVATE KEY', 'YWRtaW4ta2V5'),
};
const cluster = demoCluster(certs, new Date('2026-01-01T10:00:00Z'));

describe('splitWords', () => {
  it('undoes the SSH layer quoting, word for word', () => {
    const argv = ['sh', '-c', "command -v k3d; echo 'x y'", 'a"b', '', "it's"];
    expect(splitWords(quoteArgv(argv))).toEqual(argv);
    expect(splitWords(`sh -c ${shellQuote('command -v k3d')}`)).toEqual(['sh', '-c', 'command -v k3d']);
    expect(splitWords('"a \\"b\\" c" d\\ e')).toEqual(['a "b" c', 'd e']);
  });
});

describe('runDemoCommand', () => {
  it('answers what findK3d asks: k3d is on the PATH, at an absolute path', () => {
    expect(runDemoCommand(`sh -c ${shellQuote('command -v k3d')}`, cluster)).toEqual({
      stdout: '/usr/local/bin/k3d\n',
      stderr: '',
      code: 0,
    });
  });

  it('answers the commands as the SSH layer sends them (exec /bin/sh -c with the argv encoded)', () => {
    expect(runDemoCommand(remoteCommand(['/bin/sh', '-c', 'command -v k3d']), cluster).stdout).toBe(
      '/usr/local/bin/k3d\n',
    );
    const result = runDemoCommand(
      remoteCommand(['/usr/local/bin/k3d', 'kubeconfig', 'get', 'demo']),
      cluster,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('certificate-authority-data');
  });

  it('answers k3d version like k3d v5.9', () => {
    const result = runDemoCommand('/usr/local/bin/k3d version', cluster);
    expect(parseK3dVersion(result.stdout)).toEqual({ k3d: 'v5.9.0', k3s: 'v1.31.5-k3s1' });
  });

  it('lists the demo cluster as k3d v5.9 JSON, which discovery reads: API and one service port', () => {
    const result = runDemoCommand('/usr/local/bin/k3d cluster list -o json', cluster);
    const [parsed] = parseClusterList(result.stdout);
    expect(parsed).toMatchObject({ name: 'demo', running: true, hasLoadBalancer: true, warnings: [] });
    expect(parsed?.api).toMatchObject({ hostIp: '127.0.0.1', hostPort: 6550, containerPort: 6443 });
    expect(parsed?.ports).toEqual([expect.objectContaining({ hostPort: 8080, containerPort: 30080 })]);
  });

  it('prints a kubeconfig with the certificates, which the rewrite accepts', () => {
    const result = runDemoCommand('/usr/local/bin/k3d kubeconfig get demo', cluster);
    expect(result.stdout.startsWith('---\n')).toBe(true);
    const entries = rewriteKubeconfig(parseKubeconfigGetOutput(result.stdout), {
      server: 'https://127.0.0.1:6550',
      names: { cluster: 'c', context: 'x', user: 'u' },
    });
    const ca = Buffer.from(String(entries.cluster.cluster['certificate-authority-data']), 'base64');
    expect(ca.toString()).toBe(certs.serverCa);
  });

  it('runs k3d through env with its log level pinned, as tunnel runs it on a real server', () => {
    const line = remoteCommand([
      'env',
      'LOG_LEVEL=info',
      '/usr/local/bin/k3d',
      'cluster',
      'list',
      '-o',
      'json',
    ]);
    const result = runDemoCommand(line, cluster);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)[0].name).toBe('demo');
    expect(runDemoCommand('env LOG_LEVEL=info rm -rf /', cluster)).toMatchObject({ code: 127 });
  });

  it('fails like k3d for another cluster, and like sh for anything else', () => {
    expect(runDemoCommand('k3d kubeconfig get other', cluster)).toMatchObject({ code: 1 });
    expect(runDemoCommand('k3d kubeconfig get other', cluster).stderr).toContain(
      'No nodes found for given cluster',
    );
    expect(runDemoCommand('rm -rf /', cluster)).toMatchObject({
      code: 127,
      stderr: 'sh: 1: rm: not found\n',
    });
  });

  it('has no API port when there are no certificates (no openssl)', () => {
    const [parsed] = parseClusterList(
      runDemoCommand('k3d cluster list -o json', demoCluster(undefined)).stdout,
    );
    expect(parsed?.api).toBeUndefined();
    expect(runDemoCommand('k3d kubeconfig get demo', demoCluster(undefined)).code).toBe(1);
  });
});
