import { describe, expect, it } from 'vitest';
import { MAX_LABELS, parseListPage, parseNode, parseService } from '../../../src/kube/types.js';
import { parseWatchEvent } from '../../../src/kube/watch-event.js';

const serviceWith = (metadata: object, spec: object = { ports: [{ port: 80 }] }) =>
  parseService({ metadata: { name: 'web', namespace: 'default', ...metadata }, spec });

describe('the objects a watch reads', () => {
  it('reads a Service’s labels, clusterIP and targetPorts (a number or a port name)', () => {
    const service = serviceWith(
      { labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop', tier: '' } },
      {
        clusterIP: '10.43.12.7',
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'metrics', port: 9090, targetPort: 'metrics' },
          { port: 81 },
        ],
      },
    );
    expect(service.labels).toEqual({ app: 'web', 'app.kubernetes.io/part-of': 'shop', tier: '' });
    expect(service.clusterIP).toBe('10.43.12.7');
    expect(service.ports.map((port) => port.targetPort)).toEqual([8080, 'metrics', undefined]);
  });

  it('drops labels no API server would accept, and keeps at most MAX_LABELS', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`l${index}`, 'v']));
    expect(serviceWith({ labels: { 'bad\u001b[2J': 'x', good: 'a\nb', ok: 'yes' } }).labels).toEqual({
      ok: 'yes',
    });
    expect(Object.keys(serviceWith({ labels: many }).labels)).toHaveLength(MAX_LABELS);
  });

  it('refuses a Service or Node whose name is not a Kubernetes name, showing it escaped', () => {
    expect(() => serviceWith({ name: 'web\u001b]0;x\u0007' })).toThrow(/not a Kubernetes name: "web\\\\x1b/);
    expect(() => serviceWith({ namespace: '../etc' })).toThrow(/metadata.namespace is not a Kubernetes name/);
    expect(() => parseNode({ metadata: { name: 'Node One' } })).toThrow(/not a Kubernetes name/);
  });

  it('reads a Node’s readiness and InternalIP (only an address-shaped one)', () => {
    const node = (address: string, status: string) =>
      parseNode({
        metadata: { name: 'k3d-my-app-server-0' },
        status: { conditions: [{ type: 'Ready', status }], addresses: [{ type: 'InternalIP', address }] },
      });
    expect(node('172.18.0.3', 'True')).toEqual({
      name: 'k3d-my-app-server-0',
      ready: true,
      internalIp: '172.18.0.3',
    });
    expect(node('$(reboot)', 'Unknown')).toEqual({
      name: 'k3d-my-app-server-0',
      ready: false,
      internalIp: undefined,
    });
  });

  it('keeps port names, protocols and numbers to what the API allows', () => {
    const spec = { ports: [{ name: 'HTTP\u001b[0m', protocol: 'T\u0007CP', port: 80, nodePort: 1e6 }] };
    expect(serviceWith({}, spec).ports[0]).toMatchObject({
      name: undefined,
      protocol: 'T\\x07CP',
      port: 80,
      nodePort: undefined,
    });
    expect(() => serviceWith({}, { ports: [{ port: 70000 }] })).toThrow(/no "port" between 1 and 65535/);
  });

  it('gives a list page’s resourceVersion, only when it is a token', () => {
    const page = (resourceVersion: string) =>
      parseListPage({ metadata: { resourceVersion }, items: [] }, 'Node');
    expect(page('812').resourceVersion).toBe('812');
    expect(page('9'.repeat(5000)).resourceVersion).toBe('');
  });
});

describe('parseWatchEvent', () => {
  it('reads the five event types', () => {
    const object = { metadata: { name: 'web', resourceVersion: '9' } };
    for (const type of ['ADDED', 'MODIFIED', 'DELETED'])
      expect(parseWatchEvent({ type, object })).toEqual({ type, object, resourceVersion: '9' });
    expect(parseWatchEvent({ type: 'BOOKMARK', object })).toEqual({ type: 'BOOKMARK', resourceVersion: '9' });
    expect(
      parseWatchEvent({
        type: 'ERROR',
        object: { kind: 'Status', code: 410, reason: 'Expired', message: 'gone\u001b' },
      }),
    ).toEqual({ type: 'ERROR', code: 410, reason: 'Expired', message: 'gone\\x1b' });
  });

  it('refuses an unknown type or a missing object, and ignores a resourceVersion that is not a token', () => {
    expect(() => parseWatchEvent({ type: 'EXPLODE', object: {} })).toThrow(/watch event of type "EXPLODE"/);
    expect(() => parseWatchEvent({ type: 'ADDED' })).toThrow(
      /object of a ADDED watch event is not an object/,
    );
    expect(() => parseWatchEvent('ADDED')).toThrow(/a watch event is not an object/);
    const event = parseWatchEvent({
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: '1&watch=0' } },
    });
    expect(event).toEqual({ type: 'BOOKMARK', resourceVersion: '' });
  });
});
