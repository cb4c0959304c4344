import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAddressLiteral } from '../../../src/remote/k3d-node-address.js';
import { parseClusterList } from '../../../src/remote/k3d-parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');

/** cluster-list.json's my-app with its nodes' `IP.IP` (and State) replaced, as a hostile dev server might. */
function myAppWith(change: (node: Record<string, unknown>) => void) {
  const clusters = JSON.parse(fixture('cluster-list.json')) as {
    name: string;
    nodes: Record<string, unknown>[];
  }[];
  const myApp = clusters.find((cluster) => cluster.name === 'my-app')!;
  for (const node of myApp.nodes) change(node);
  return parseClusterList(JSON.stringify([myApp]))[0]!;
}

describe("k3d's node addresses (nodes[].IP.IP)", () => {
  it('lists the running server and agent nodes with their docker network address, servers first', () => {
    const myApp = parseClusterList(fixture('cluster-list.json')).find((c) => c.name === 'my-app')!;
    // The load balancer (172.20.0.4) is no Kubernetes node: kube-proxy does not answer NodePorts there.
    expect(myApp.nodes).toEqual([
      { name: 'k3d-my-app-server-0', role: 'server', address: '172.20.0.2', running: true },
      { name: 'k3d-my-app-agent-0', role: 'agent', address: '172.20.0.3', running: true },
    ]);
    expect(myApp.warnings).toEqual([]);
  });

  it('lists no node of a stopped cluster (k3d prints an empty address) and says nothing about it', () => {
    const legacy = parseClusterList(fixture('cluster-list.json')).find((c) => c.name === 'legacy')!;
    expect(legacy.nodes).toEqual([]);
    expect(legacy.warnings).toEqual([]);
  });

  it('reads an IPv6 node address and the State of each node', () => {
    const myApp = myAppWith((node) => {
      if (node.name === 'k3d-my-app-agent-0') {
        node.IP = { IP: 'fd00:18::3', Static: false };
        node.State = { Running: false, Status: 'exited' };
      }
    });
    expect(myApp.nodes?.find((node) => node.role === 'agent')).toEqual({
      name: 'k3d-my-app-agent-0',
      role: 'agent',
      address: 'fd00:18::3',
      running: false,
    });
  });

  it.each([
    ['a host name', 'evil.example.com'],
    ['a shell word', '$(reboot)'],
    ['an address with a zone', 'fe80::1%eth0'],
    ['loopback', '127.0.0.1'],
    ['the unspecified address', '0.0.0.0'],
    ['a broadcast address', '255.255.255.255'],
    ['an address with a port', '172.20.0.2:6443'],
    ['a number', 17],
  ])('ignores %s as an address, with a warning naming the node', (_what, ip) => {
    const myApp = myAppWith((node) => {
      if (node.name === 'k3d-my-app-server-0') node.IP = { IP: ip };
    });
    expect(myApp.nodes?.map((node) => node.name)).toEqual(['k3d-my-app-agent-0']);
    expect(myApp.warnings).toEqual([
      expect.stringMatching(/^node "k3d-my-app-server-0": its address .* is not an IP address/),
    ]);
    // A hostile value is shown quoted and bounded, never raw.
    expect(myApp.warnings[0]).not.toContain('\n');
  });

  it('tolerates a node without an IP object (older k3d) as having no address', () => {
    const myApp = myAppWith((node) => {
      delete node.IP;
    });
    expect(myApp.nodes).toEqual([]);
    expect(myApp.warnings).toEqual([]);
  });
});

describe('isAddressLiteral', () => {
  it('accepts private IPv4 and IPv6 literals and rejects everything a resolver would read differently', () => {
    expect(
      ['172.18.0.2', '10.0.0.1', '192.168.5.2', 'fd00::2', '2001:db8::1'].filter(isAddressLiteral),
    ).toHaveLength(5);
    expect(
      ['172.018.0.2', '::', '::1', 'ff02::1', '224.0.0.1', ' 172.18.0.2', '', 'a'.repeat(60)].filter(
        isAddressLiteral,
      ),
    ).toEqual([]);
  });
});
