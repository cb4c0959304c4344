// Issue 14 on screen: the forwards table names each Service and how it is reached (host port, node
// address, pod port-forward), and connect's notes name the Service whose local port had to move.
import { describe, expect, it } from 'vitest';
import { renderConnected } from '../../../src/cli/render-connect.js';
import { forwardsTable } from '../../../src/cli/render-forwards.js';
import type { ClusterStatus, ForwardStatus } from '../../../src/control/status-document.js';
import { forwardStatus, sessionStatus } from '../../builders.js';

const options = { color: false, now: new Date('2026-01-01T10:05:00.000Z') };

const api = forwardStatus({ kind: 'api', remotePort: 16443, nodePort: 6443, service: null });
const mapped = forwardStatus({
  service: { namespace: 'my-namespace', name: 'my-app-svc', port: 8080, portName: null },
  via: { kind: 'host-port' },
});
function serviceForward(
  service: { namespace: string; name: string; port: number },
  overrides: Partial<ForwardStatus>,
): ForwardStatus {
  return forwardStatus({
    id: `my-app/service/${service.namespace}/${service.name}:${service.port}`,
    localPort: service.port,
    service: { ...service, portName: null },
    ...overrides,
  });
}
const throughNode: Partial<ForwardStatus> = {
  remoteHost: '172.18.0.3',
  remotePort: 31742,
  nodePort: 31742,
  via: { kind: 'node', node: 'k3d-my-app-server-0', address: '172.18.0.3' },
};
const throughPod: Partial<ForwardStatus> = {
  remoteHost: '',
  remotePort: 9000,
  nodePort: null,
  via: { kind: 'pod' },
};
const grafana = serviceForward({ namespace: 'monitoring', name: 'grafana', port: 3000 }, throughNode);
const backend = serviceForward({ namespace: 'default', name: 'backend', port: 9000 }, throughPod);
const clusters = (...forwards: ForwardStatus[]): ClusterStatus[] => [
  { name: 'my-app', context: 'k3d-my-app@devserver', forwards },
];

describe('the forwards table with Services', () => {
  it('shows the SERVICE and VIA of each way a forward is reached', () => {
    const lines = forwardsTable(clusters(api, mapped, grafana, backend), { ...options, traffic: false });
    expect(lines[0]).toMatch(/^CLUSTER\s+KIND\s+SERVICE\s+LOCAL\s+VIA\s+STATE\s+NOTE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^my-app\s+api\s+-\s+127\.0\.0\.1:16443\s+host port 16443\s+ok\s+context /),
      expect.stringMatching(
        /^my-app\s+service\s+my-namespace\/my-app-svc:8080\s+127\.0\.0\.1:8080\s+host port 8080 → nodePort 30080\s+ok$/,
      ),
      expect.stringMatching(
        /^my-app\s+service\s+monitoring\/grafana:3000\s+127\.0\.0\.1:3000\s+node 172\.18\.0\.3:31742\s+ok$/,
      ),
      expect.stringMatching(
        /^my-app\s+service\s+default\/backend:9000\s+127\.0\.0\.1:9000\s+pod port-forward\s+ok$/,
      ),
    ]);
  });

  it('names the dev-server host of a mapping bound to one address, and leaves out an equal nodePort', () => {
    const bound = forwardStatus({ remoteHost: '10.0.0.5', remotePort: 30090, nodePort: 30090 });
    const [, row] = forwardsTable(clusters(bound), { ...options, traffic: false });
    expect(row).toMatch(/host port 10\.0\.0\.5:30090\s+ok/);
    expect(row).not.toContain('nodePort');
  });

  it('escapes Service and node names from the cluster', () => {
    const evil = serviceForward(
      { namespace: 'x\u001b[2J', name: 'y\u009b31m', port: 80 },
      { via: { kind: 'node', node: 'n', address: '1.2.3.4\u0007' }, remoteHost: '1.2.3.4\u0007' },
    );
    const text = forwardsTable(clusters(evil), { ...options, traffic: false }).join('\n');
    expect(text).not.toMatch(/[\u0007\u001b\u009b]/);
    expect(text).toContain('x\\x1b[2J/y\\x9b31m:80');
    expect(text).toContain('node 1.2.3.4\\x07:8080');
  });

  it('notes a privileged port and pins a Service with the Service form of --map', () => {
    const web = serviceForward(
      { namespace: 'monitoring', name: 'web', port: 80 },
      { ...throughNode, localPort: 24180, remapped: { from: 80, reason: 'privileged' } },
    );
    const pinned = { ...grafana, localPort: 13000, remapped: { from: 3000, reason: 'pinned' } };
    const text = forwardsTable(clusters(web, pinned), { ...options, traffic: true }).join('\n');
    expect(text).toMatch(
      /127\.0\.0\.1:24180\s+node 172\.18\.0\.3:31742\s+ok\s+.*80 probably needs root \(nothing visible holds it\)$/m,
    );
    expect(text).toMatch(/pinned by --map monitoring\/grafana:3000:13000$/m);
  });
});

describe("connect's notes for Services", () => {
  const render = (...forwards: ForwardStatus[]) =>
    renderConnected(sessionStatus({ clusters: clusters(...forwards) }), options);

  it('says a port below 1024 probably needs root, naming the Service and where it listens instead', () => {
    const web = serviceForward(
      { namespace: 'monitoring', name: 'web', port: 80 },
      { ...throughNode, localPort: 24180, remapped: { from: 80, reason: 'privileged' } },
    );
    expect(render(web)).toContain(
      'note: monitoring/web:80 listens on 127.0.0.1:24180: port 80 probably needs root on this machine (or CAP_NET_BIND_SERVICE; nothing visible holds it)',
    );
  });

  it('names the Service whose own port was busy, and how to pin it', () => {
    const busy = { ...grafana, localPort: 24001, remapped: { from: 3000, reason: 'busy' } };
    expect(render(busy)).toContain(
      'note: 127.0.0.1:3000 is in use on this machine, so monitoring/grafana:3000 is at 127.0.0.1:24001 (pin one with --map monitoring/grafana:3000:<local>)',
    );
  });

  it('names the forward that won a port two Services wanted', () => {
    const loser = serviceForward(
      { namespace: 'shop', name: 'web', port: 3000 },
      { ...throughPod, localPort: 27001, remapped: { from: 3000, reason: 'conflict' } },
    );
    expect(render(grafana, loser)).toContain(
      'note: local port 3000 is taken by monitoring/grafana:3000, so shop/web:3000 is at 127.0.0.1:27001 (pin one with --map shop/web:3000:<local>)',
    );
  });
});
