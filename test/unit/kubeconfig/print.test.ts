import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type KubeconfigPrintEvent, printKubeconfig } from '../../../src/kubeconfig/print.js';
import { apiPort, k3dCluster } from '../../builders.js';
import { fakeDevServer } from '../cluster/fake-dev-server.js';

const k3dOutput = readFileSync(
  new URL('../../fixtures/kubeconfig/k3d-kubeconfig-get-my-app.txt', import.meta.url),
  'utf8',
);

const api = apiPort();

async function print(livePorts: Map<string, number> | undefined, kubeconfig = (_: string) => k3dOutput) {
  const devServer = fakeDevServer({ clusters: [k3dCluster('my-app', { api })], kubeconfig });
  const events: KubeconfigPrintEvent[] = [];
  const report = await printKubeconfig({
    host: 'devserver',
    options: {
      clusters: [],
      maps: new Map(),
      bindAddress: '127.0.0.1',
      contextTemplate: 'k3d-{cluster}@{host}',
    },
    livePorts: async () => livePorts,
    open: devServer.open,
    onEvent: (event) => events.push(event),
  });
  return { report, events, devServer };
}

describe('printKubeconfig', () => {
  it('not connected: says so, and points the context at the port connect would try first', async () => {
    const { report, events, devServer } = await print(undefined);
    expect(events).toContainEqual({ kind: 'not-connected' });
    expect(report.contexts).toEqual([{ cluster: 'my-app', context: 'k3d-my-app@devserver' }]);
    expect(report.yaml).toContain('server: https://127.0.0.1:16443');
    expect(report.yaml).toContain('current-context: k3d-my-app@devserver');
    expect(devServer.closed).toBe(1);
  });

  it("connected: uses the running session's local port", async () => {
    const { report, events } = await print(new Map([['my-app/api/127.0.0.1:16443', 26443]]));
    expect(events).not.toContainEqual({ kind: 'not-connected' });
    expect(report.yaml).toContain('server: https://127.0.0.1:26443');
  });

  it('a cluster without a usable kubeconfig is an event and nothing to print, not a crash', async () => {
    const { report, events } = await print(undefined, () => 'apiVersion: v1\nkind: Config\n');
    expect(events.some((event) => event.kind === 'no-context' && event.cluster === 'my-app')).toBe(true);
    expect(report.yaml).toBeUndefined();
    expect(report.contexts).toEqual([]);
  });
});
