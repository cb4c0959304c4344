import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { isSafeClusterName, parseClusterList } from '../../../src/remote/k3d-parse.js';
import type { K3dCluster } from '../../../src/remote/types.js';
import { apiPort } from '../../builders.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');
const byName = (clusters: K3dCluster[], name: string) => clusters.find((cluster) => cluster.name === name)!;
const summary = (cluster: K3dCluster) => ({
  api: cluster.api && `${cluster.api.hostIp}:${cluster.api.hostPort}@${cluster.api.nodeName}`,
  ports: cluster.ports.map((p) => `${p.hostIp || '*'}:${p.hostPort}->${p.containerPort}@${p.nodeName}`),
});

function expectK3dOutputError(run: () => unknown, message: string | RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelError);
    expect((error as TunnelError).code).toBe('K3D_OUTPUT');
    expect((error as TunnelError).message).toMatch(message);
    expect((error as TunnelError).hint).toContain('k3d cluster list -o json');
    return;
  }
  throw new Error('expected a K3D_OUTPUT error');
}

describe('parseClusterList on k3d v5.9 output', () => {
  it('reads two running clusters and a stopped one, with API and service ports', () => {
    const clusters = parseClusterList(fixture('cluster-list.json'));
    expect(clusters.map((c) => [c.name, c.running])).toEqual([
      ['legacy', false],
      ['my-app', true],
      ['shop', true],
    ]);
    const myApp = byName(clusters, 'my-app');
    expect(myApp).toMatchObject({
      serversRunning: 1,
      serversCount: 1,
      agentsCount: 1,
      hasLoadBalancer: true,
    });
    expect(myApp.api).toEqual(apiPort());
    expect(summary(myApp).ports).toEqual([
      '*:3000->30300@k3d-my-app-serverlb',
      '*:8080->30080@k3d-my-app-serverlb',
    ]);
    expect(myApp.warnings).toEqual([]);
  });

  it('keeps a specific HostIp and finds :direct mappings on agent nodes', () => {
    const shop = byName(parseClusterList(fixture('cluster-list.json')), 'shop');
    expect(summary(shop)).toEqual({
      api: '127.0.0.1:6550@k3d-shop-serverlb',
      ports: ['127.0.0.1:8081->80@k3d-shop-serverlb', '*:9090->30090@k3d-shop-agent-0'],
    });
    expect(shop.ports[1]?.nodeRole).toBe('agent');
  });

  it('warns that a :direct port on a stopped agent of a running cluster will not answer', () => {
    const data = JSON.parse(fixture('cluster-list.json'));
    const agent = data
      .find((c: { name: string }) => c.name === 'shop')
      .nodes.find((n: { name: string }) => n.name === 'k3d-shop-agent-0');
    agent.State.Running = false;
    const shop = byName(parseClusterList(JSON.stringify(data)), 'shop');
    expect(shop.running).toBe(true);
    expect(shop.warnings).toContain(
      'node "k3d-shop-agent-0" is not running: host port 9090 (direct) will not answer',
    );
    expect(byName(parseClusterList(fixture('cluster-list.json')), 'shop').warnings).toEqual([]);
  });

  it('still reports the port bindings of a stopped cluster', () => {
    const legacy = byName(parseClusterList(fixture('cluster-list.json')), 'legacy');
    expect(legacy).toMatchObject({ running: false, serversRunning: 0, serversCount: 1 });
    expect(summary(legacy)).toEqual({
      api: '0.0.0.0:16444@k3d-legacy-serverlb',
      ports: ['*:8082->30080@k3d-legacy-serverlb'],
    });
  });

  it('reads an empty list', () => {
    expect(parseClusterList(fixture('cluster-list-empty.json'))).toEqual([]);
    expect(parseClusterList('null\n')).toEqual([]);
  });

  it('finds the API on server-0 for --no-lb clusters (hasLoadbalancer absent)', () => {
    const [solo] = parseClusterList(fixture('cluster-list-no-lb.json'));
    expect(solo?.hasLoadBalancer).toBe(false);
    expect(summary(solo!)).toEqual({
      api: '0.0.0.0:6550@k3d-solo-server-0',
      ports: ['*:8080->30080@k3d-solo-server-0'],
    });
  });

  it('reads `cluster get` output (serverLoadBalancer, volumes) like `cluster list`', () => {
    const [fromGet] = parseClusterList(fixture('cluster-get-my-app.json'));
    const fromList = byName(parseClusterList(fixture('cluster-list.json')), 'my-app');
    expect(fromGet).toEqual(fromList);
  });

  it('tolerates the odd cases with warnings and forwards each TCP host port once', () => {
    const [odd] = parseClusterList(fixture('cluster-list-odd.json'));
    expect(summary(odd!)).toEqual({
      api: '0.0.0.0:16500@k3d-odd-serverlb',
      // -p 9443:6443@server:0:direct is a plain forward: with a loadbalancer, the API is the LB's mapping.
      ports: [
        '0.0.0.0:8080->30080@k3d-odd-serverlb',
        '*:8443->30443@k3d-odd-server-0',
        '*:9443->6443@k3d-odd-server-0',
      ],
    });
    const warnings = odd!.warnings.join('\n');
    expect(warnings).toMatch(/"30081\/tcp" has no host port/);
    expect(warnings).toMatch(/30053\/udp on host port 5353 is not forwarded \(SSH forwards TCP only\)/);
    expect(warnings).toMatch(/host port range 7000-7005/);
  });

  it('falls back to the server kubeAPI binding when no 6443 mapping is published', () => {
    const data = JSON.parse(fixture('cluster-list.json'));
    delete data[1].nodes[0].portMappings['6443'];
    const myApp = byName(parseClusterList(JSON.stringify(data)), 'my-app');
    expect(summary(myApp).api).toBe('0.0.0.0:16443@k3d-my-app-server-0');
    expect(myApp.api?.isApi).toBe(true);
  });

  it('warns when no API port is published at all', () => {
    const data = JSON.parse(fixture('cluster-list.json'));
    delete data[1].nodes[0].portMappings['6443'];
    data[1].nodes[2].serverOpts.kubeAPI.Binding.HostPort = '';
    const myApp = byName(parseClusterList(JSON.stringify(data)), 'my-app');
    expect(myApp.api).toBeUndefined();
    expect(myApp.warnings.join()).toMatch(/no Kubernetes API port/);
  });

  it('keeps hostile cluster names as data, byte for byte', () => {
    const names = parseClusterList(fixture('cluster-list-hostile.json')).map((cluster) => cluster.name);
    expect(names).toEqual(['x; touch /tmp/pwned', '$(reboot)\nINFO[0000] fake & <b>', 'ünïcødé-クラスタ']);
    expect(names.map(isSafeClusterName)).toEqual([false, false, false]);
  });

  it('skips k3d log lines printed on stdout before the JSON (LOG_LEVEL=debug on the server)', () => {
    const stdout =
      '\u001b[37mDEBU\u001b[0m[0000] DOCKER_SOCK=/var/run/docker.sock             \n' +
      'time="2026-01-01T10:00:00Z" level=debug msg="Runtime Info: ..."\n' +
      fixture('cluster-list-no-lb.json');
    expect(parseClusterList(stdout).map((cluster) => cluster.name)).toEqual(['solo']);
  });

  it("skips k3d's two-line Runtime Info debug message (a bare &{Name:docker …} line) before the JSON", () => {
    // What k3d v5.9 prints with LOG_LEVEL=debug: initRuntime's Debugf("Runtime Info:\n%+v"), then ClusterList's.
    const debug = '\u001b[37mDEBU\u001b[0m[0000] Found 3 nodes                                 \n';
    const stdout = fixture('debug-prefix.stdout.txt') + debug + fixture('cluster-list.json');
    expect(parseClusterList(stdout).map((cluster) => cluster.name)).toEqual(['legacy', 'my-app', 'shop']);
    expect(parseClusterList(`${fixture('debug-prefix.stdout.txt')}[]\n`)).toEqual([]);
  });
});

describe('isSafeClusterName (k3d: letters, digits, inner dashes, at most 32)', () => {
  it.each([
    ['my-app', true],
    ['a', true],
    ['A1-b2', true],
    ['a'.repeat(32), true],
    ['a'.repeat(33), false],
    ['-app', false],
    ['app-', false],
    ['my_app', false],
    ['', false],
    ['x; touch /tmp/pwned', false],
    ['app\n', false],
  ])('%j → %s', (name, safe) => {
    expect(isSafeClusterName(name)).toBe(safe);
  });
});

describe('parseClusterList rejects what it cannot trust, saying where', () => {
  // Fixture JSON is mutated freely here, so it stays untyped (JSON.parse gives any).
  const withMyApp = (change: (myApp: ReturnType<typeof JSON.parse>) => void) => {
    const data = JSON.parse(fixture('cluster-list.json'));
    change(data[1]);
    return JSON.stringify(data);
  };

  it.each<[string, string, string | RegExp]>([
    [
      'the table instead of JSON',
      'NAME     SERVERS   AGENTS   LOADBALANCER\nmy-app   1/1       1/1      true\n',
      /is not JSON/,
    ],
    ['truncated output', fixture('cluster-list.json').slice(0, 500), /is not JSON/],
    ['an object', '{"name":"my-app"}', /expected a JSON array of clusters, got an object/],
    ['nothing', '\n', /printed nothing/],
    // After a log line, a bare line is read as the message's continuation: it is what is not JSON.
    ['a bare line after a log line', 'DEBU[0000] x\nnot json\n', /is not JSON; it starts with "not json"/],
    ['an entry without name', '[{"nodes":[]}]', /cluster entry #1 has no "name"/],
  ])('%s', (_case, stdout, message) => {
    expectK3dOutputError(() => parseClusterList(stdout), message);
  });

  it('names the cluster, node and key for a port key that is not a port', () => {
    const stdout = withMyApp((myApp) => {
      myApp.nodes[0].portMappings['abc/tcp'] = [{ HostIp: '', HostPort: '1' }];
    });
    expectK3dOutputError(
      () => parseClusterList(stdout),
      'cluster "my-app", node "k3d-my-app-serverlb": port mapping key "abc/tcp" is not a port',
    );
  });

  it('names the mapping whose HostPort is not a number', () => {
    const stdout = withMyApp((myApp) => {
      myApp.nodes[0].portMappings['30080/tcp'][0].HostPort = 'http';
    });
    expectK3dOutputError(
      () => parseClusterList(stdout),
      /node "k3d-my-app-serverlb": port mapping "30080\/tcp": HostPort "http" is not a port number/,
    );
  });

  it('rejects nodes that are not an array', () => {
    const stdout = withMyApp((myApp) => {
      myApp.nodes = { 'k3d-my-app-server-0': {} };
    });
    expectK3dOutputError(
      () => parseClusterList(stdout),
      'cluster "my-app": "nodes" is an object, expected an array',
    );
  });

  it('shows hostile names escaped in messages', () => {
    const stdout = JSON.stringify([{ name: 'evil\nFATA[0000] fake', nodes: 'x' }]);
    expectK3dOutputError(
      () => parseClusterList(stdout),
      'cluster "evil\\nFATA[0000] fake": "nodes" is the string',
    );
  });
});
