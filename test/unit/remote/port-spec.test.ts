import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  formatPortSpec,
  type NodeFilter,
  type PortSpec,
  parsePortSpec,
  viaLoadBalancer,
} from '../../../src/remote/port-spec.js';

function problem(spec: string): UsageError {
  try {
    parsePortSpec(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${spec} was accepted`);
}

describe('parsePortSpec', () => {
  it('reads host port, container port and node filters as k3d does', () => {
    expect(parsePortSpec('8080:30080@server:0')).toEqual({
      hostIp: undefined,
      hostPort: 8080,
      containerPort: 30080,
      nodeFilters: [{ group: 'server', subset: { kind: 'list', indices: [0] }, suffix: undefined }],
    });
    expect(parsePortSpec('127.0.0.1:3000:30300/tcp@agent:0,2;server:*:direct')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: 3000,
      containerPort: 30300,
      nodeFilters: [
        { group: 'agent', subset: { kind: 'list', indices: [0, 2] }, suffix: undefined },
        { group: 'server', subset: { kind: 'every' }, suffix: 'direct' },
      ],
    });
    expect(parsePortSpec('[::1]:9090:30090@agents:1-').nodeFilters[0]).toEqual({
      group: 'agents',
      subset: { kind: 'range', from: 1, to: undefined },
      suffix: undefined,
    });
    expect(parsePortSpec('[::1]:9090:30090@agents:1-').hostIp).toBe('::1');
  });

  // Every -p with a node filter in k3d's own tests and docs (tests/*.sh, docs/usage/*.md): each filter is read
  // as k3d reads it; a spec tunnel still refuses is refused for its ports, never for its filter.
  it.each([
    ['4444:5555@loadbalancer:0:proxy', 'accepted'],
    ['8080:80@loadbalancer', 'accepted'],
    ['8081:80@loadbalancer', 'accepted'],
    ['8082:30080@agent:0', 'accepted'],
    ['1234:4321/tcp@agent:0:direct', 'not a NodePort'],
    ['2222:3333@server:0', 'not a NodePort'],
    ['8080:80@server:0:proxy', 'not a NodePort'],
    ['8080:80@agent:0', 'not a NodePort'],
    ['30000-32767:30000-32767@server:0', 'is a range'],
    ['8081@agent:1', 'has no host port'],
  ])("k3d's own example -p %s: %s", (spec, verdict) => {
    if (verdict === 'accepted') {
      expect(formatPortSpec(parsePortSpec(spec))).toBe(spec.replace('/tcp', ''));
      return;
    }
    expect(problem(spec).message).toContain(verdict);
  });

  it('reads a filter on the loadbalancer with a subset and a suffix, and goes through the load balancer', () => {
    const spec = parsePortSpec('4444:5555@loadbalancer:0:proxy');
    expect(spec.nodeFilters).toEqual([
      { group: 'loadbalancer', subset: { kind: 'list', indices: [0] }, suffix: 'proxy' },
    ]);
    expect(viaLoadBalancer(spec)).toBe(true);
    expect(viaLoadBalancer(parsePortSpec('8080:80@loadbalancer:*:direct'))).toBe(true);
  });

  it('allows ports outside the NodePort range only through the load balancer (ingress, LoadBalancer Service)', () => {
    expect(viaLoadBalancer(parsePortSpec('8081:80@loadbalancer'))).toBe(true);
    expect(parsePortSpec('8443:443').containerPort).toBe(443);
    const error = problem('8080:80@server:0');
    expect(error.message).toContain('container port 80 is not a NodePort (30000-32767)');
    expect(error.message).toContain('ingress (80/443, Traefik) or a LoadBalancer Service');
    expect(error.hint).toContain('-p 8080:80@loadbalancer');
    expect(problem('8443:6443@loadbalancer').message).toContain(
      'Kubernetes API; tunnel publishes it with --api-port',
    );
  });

  it.each([
    ['30080', 'has no host port'],
    ['8080:30080@', 'has an "@" but no node filter'],
    ['8080:30080@server:0@agent:0', 'more than one "@"'],
    ['0:30080', 'the host port 0 is outside 1-65535'],
    ['8080:99999', 'the container port 99999 is outside 1-65535'],
    ['80a:30080', 'the host port "80a" is not a number'],
    ['8080-8081:30080-30081', 'is a range'],
    ['1.2.3:8080:30080', 'is not an IPv4 address'],
    ['host:8080:30080', 'is not an IPv4 address'],
    ['a:b:c:d', 'too many ":"'],
    ['[::1:8080:30080', 'unclosed "["'],
    ['8080:30080/udp', 'tunnel forwards TCP only'],
    ['8080:30080/http', 'is not a protocol'],
    ['8080:30080@server', 'needs a subset, e.g. server:0'],
    ['8080:30080@nodes:0', 'is not valid'],
    ['8080:30080@server:0:fast', 'only :proxy or :direct'],
    ['8080:30080@loadbalancer:0:fast', 'only :proxy or :direct'],
    ['8080:30080@loadbalancer:', 'is not valid'],
  ])('refuses %s: %s', (spec, words) => {
    const error = problem(spec);
    expect(error.message).toContain(`-p ${JSON.stringify(spec)}`);
    expect(error.message).toContain(words);
    expect(error.hint).toMatch(/-p \S+/);
  });
});

const filterArb: fc.Arbitrary<NodeFilter> = fc.oneof(
  fc.constant<NodeFilter>({ group: 'loadbalancer', subset: undefined, suffix: undefined }),
  fc.record<NodeFilter>({
    group: fc.constantFrom('server', 'servers', 'agent', 'agents', 'all', 'loadbalancer'),
    subset: fc.oneof(
      fc.constant({ kind: 'every' as const }),
      fc
        .array(fc.nat(20), { minLength: 1, maxLength: 3 })
        .map((indices) => ({ kind: 'list' as const, indices })),
      fc
        .tuple(fc.option(fc.nat(9), { nil: undefined }), fc.option(fc.nat(9), { nil: undefined }))
        .map(([from, to]) => ({ kind: 'range' as const, from, to })),
    ),
    suffix: fc.constantFrom(undefined, 'proxy', 'direct'),
  }),
);

const specArb: fc.Arbitrary<PortSpec> = fc.record({
  hostIp: fc.oneof(fc.constant(undefined), fc.ipV4(), fc.constantFrom('::1', '::', 'fe80::1')),
  hostPort: fc.integer({ min: 1, max: 65535 }),
  containerPort: fc.integer({ min: 30000, max: 32767 }),
  nodeFilters: fc.array(filterArb, { maxLength: 3 }),
});

describe('parsePortSpec properties', () => {
  it('throws nothing but UsageError, whatever the text', () => {
    const grammarish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            ':',
            '@',
            ';',
            '/',
            '[',
            ']',
            '-',
            '*',
            ',',
            'server',
            'agent',
            'loadbalancer',
            'direct',
          ),
          fc.nat(70000).map(String),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 10 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), grammarish), (text) => {
        try {
          parsePortSpec(text);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips: parsing the formatted spec gives the spec back', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        expect(parsePortSpec(formatPortSpec(spec))).toEqual(spec);
      }),
      { numRuns: 2000 },
    );
  });
});
