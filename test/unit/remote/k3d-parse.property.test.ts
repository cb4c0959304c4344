import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { parseClusterList } from '../../../src/remote/k3d-parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');

describe('parseClusterList properties', () => {
  const onlyTunnelErrors = (stdout: string) => {
    try {
      expect(Array.isArray(parseClusterList(stdout))).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(TunnelError);
      expect((error as TunnelError).code).toBe('K3D_OUTPUT');
    }
  };
  const portKey = fc.oneof(
    fc.string(),
    fc.integer({ min: -5, max: 70000 }).map(String),
    fc.constantFrom('6443', '80/tcp', '53/udp', '1/sctp', '8080/http'),
  );
  const binding = fc.record(
    {
      HostIp: fc.oneof(fc.string(), fc.jsonValue()),
      HostPort: fc.oneof(fc.string(), fc.nat(70000).map(String), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const node = fc.record(
    {
      name: fc.oneof(fc.string(), fc.jsonValue()),
      role: fc.oneof(fc.constantFrom('server', 'agent', 'loadbalancer', 'registry'), fc.jsonValue()),
      portMappings: fc.oneof(
        fc.jsonValue(),
        fc.dictionary(portKey, fc.oneof(fc.array(binding), fc.jsonValue())),
      ),
      serverOpts: fc.oneof(fc.jsonValue(), fc.record({ kubeAPI: fc.record({ Binding: binding }) })),
      State: fc.oneof(fc.jsonValue(), fc.record({ Running: fc.boolean() })),
    },
    { requiredKeys: [] },
  );
  const cluster = fc.record(
    {
      name: fc.oneof(fc.string(), fc.jsonValue()),
      nodes: fc.oneof(fc.array(node, { maxLength: 4 }), fc.jsonValue()),
      hasLoadbalancer: fc.oneof(fc.boolean(), fc.jsonValue()),
      serversCount: fc.oneof(fc.nat(3), fc.jsonValue()),
      serversRunning: fc.oneof(fc.nat(3), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('throws nothing but K3D_OUTPUT on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), onlyTunnelErrors));
  });

  it('throws nothing but K3D_OUTPUT on arbitrary JSON and cluster-shaped JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => onlyTunnelErrors(JSON.stringify(value))));
    fc.assert(
      fc.property(fc.array(cluster, { maxLength: 3 }), (value) => onlyTunnelErrors(JSON.stringify(value))),
      {
        numRuns: 500,
      },
    );
  });

  it('throws nothing but K3D_OUTPUT on truncated fixture output', () => {
    const text = fixture('cluster-list-odd.json');
    fc.assert(fc.property(fc.nat(text.length), (cut) => onlyTunnelErrors(text.slice(0, cut))));
  });
});
