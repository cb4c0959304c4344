// EndpointSlices as the API returns them → a ready pod and the port it listens on.
import { describe, expect, it } from 'vitest';
import { type EndpointSlice, parseEndpointSlices, pickEndpoint } from '../../../src/kube/endpoints.js';

const endpoint = (pod: string, conditions: object = { ready: true }) => ({
  addresses: ['10.42.0.9'],
  conditions,
  targetRef: { kind: 'Pod', name: pod, namespace: 'default' },
});

const list = (...items: object[]) => ({ kind: 'EndpointSliceList', items });

const slices = (body: object): EndpointSlice[] => parseEndpointSlices(body, 'default');

describe('parseEndpointSlices', () => {
  it('keeps pod endpoints with their readiness and TCP ports by name ("" when unnamed)', () => {
    const parsed = slices(
      list({
        ports: [
          { port: 8080, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
        endpoints: [
          endpoint('web-1'),
          endpoint('web-2', { ready: false }),
          endpoint('web-3', { ready: true, terminating: true }),
          endpoint('web-4', {}),
        ],
      }),
    );
    expect(parsed).toEqual([
      {
        namespace: 'default',
        ports: [{ name: '', port: 8080 }],
        endpoints: [
          { pod: 'web-1', namespace: 'default', ready: true },
          { pod: 'web-2', namespace: 'default', ready: false },
          { pod: 'web-3', namespace: 'default', ready: false },
          { pod: 'web-4', namespace: 'default', ready: true },
        ],
      },
    ]);
  });

  it('drops what is not a pod or has a name no Kubernetes object can have', () => {
    const parsed = slices(
      list({
        ports: [{ port: 8080 }, { port: 0 }, { port: 'http' }, 'junk'],
        endpoints: [
          { addresses: ['10.0.0.1'] },
          { targetRef: { kind: 'Node', name: 'node-1' } },
          endpoint('../../etc'),
          endpoint('web\u001b[31m'),
          endpoint('web-1'),
        ],
      }),
    );
    expect(parsed[0]?.ports).toEqual([{ name: '', port: 8080 }]);
    expect(parsed[0]?.endpoints.map((entry) => entry.pod)).toEqual(['web-1']);
  });

  it("drops an endpoint whose pod is in another namespace than the Service's", () => {
    const elsewhere = { ...endpoint('db-0'), targetRef: { kind: 'Pod', name: 'db-0', namespace: 'prod' } };
    const parsed = slices(list({ ports: [{ port: 8080 }], endpoints: [elsewhere, endpoint('web-1')] }));
    expect(parsed[0]?.endpoints).toEqual([{ pod: 'web-1', namespace: 'default', ready: true }]);
  });

  it('bounds a hostile list and refuses one without items', () => {
    const many = Array.from({ length: 5000 }, (_, index) => endpoint(`web-${index}`));
    const huge = slices(
      list(...Array.from({ length: 500 }, () => ({ ports: [{ port: 80 }], endpoints: many }))),
    );
    expect(huge.length).toBeLessThanOrEqual(64);
    expect(huge[0]?.endpoints.length).toBeLessThanOrEqual(1000);
    expect(() => slices({ kind: 'Status' })).toThrow(/EndpointSlice list/);
  });
});

describe('pickEndpoint', () => {
  const twoPorts = slices(
    list({
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 9100 },
      ],
      endpoints: [endpoint('web-b'), endpoint('web-a'), endpoint('web-c', { ready: false })],
    }),
  );

  it('takes the slice port named like the Service port, and the first ready pod by name', () => {
    const none = new Set<string>();
    expect(pickEndpoint(twoPorts, { name: 'metrics', port: 9000 }, { avoid: none })).toEqual({
      pod: 'web-a',
      namespace: 'default',
      targetPort: 9100,
    });
    expect(pickEndpoint(twoPorts, { name: 'grpc', port: 9000 }, { avoid: none })).toBeUndefined();
    // An unnamed Service port matches only the slice port with the empty name.
    expect(pickEndpoint(twoPorts, { port: 9000 }, { avoid: none })).toBeUndefined();
  });

  it('keeps the pod used last while it is ready, and skips pods to avoid', () => {
    const port = { name: 'http', port: 80 };
    expect(pickEndpoint(twoPorts, port, { avoid: new Set(), prefer: 'web-b' })?.pod).toBe('web-b');
    expect(pickEndpoint(twoPorts, port, { avoid: new Set(), prefer: 'web-c' })?.pod).toBe('web-a');
    expect(pickEndpoint(twoPorts, port, { avoid: new Set(['web-a']) })?.pod).toBe('web-b');
    expect(pickEndpoint(twoPorts, port, { avoid: new Set(['web-a', 'web-b']) })).toBeUndefined();
  });
});
