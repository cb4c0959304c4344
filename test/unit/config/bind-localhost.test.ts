// `--bind localhost` (or a bind setting of localhost): on macOS Node's listen() resolves localhost to ::1
// first, while the kubeconfig said 127.0.0.1. It is read as 127.0.0.1 wherever a bind address enters, so
// the listener, the kubeconfig and status name one address.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeBindAddress } from '../../../src/config/bind-address.js';
import { resolveSessionOptions } from '../../../src/config/resolve.js';
import { settingFromWords } from '../../../src/config/setting-keys.js';
import { deserializeOptions, serializeOptions } from '../../../src/control/session-options.js';
import { ForwardListener } from '../../../src/forward/listener.js';
import { clientAddress } from '../../../src/kubeconfig/fetch.js';
import { printKubeconfig } from '../../../src/kubeconfig/print.js';
import { planForwards } from '../../../src/plan/forward-plan.js';
import { apiPort, k3dCluster } from '../../builders.js';
import { fakeDevServer } from '../cluster/fake-dev-server.js';

const env = { HOME: '/home/dev' };
const K3D_KUBECONFIG = readFileSync(
  new URL('../../fixtures/kubeconfig/k3d-kubeconfig-get-my-app.txt', import.meta.url),
  'utf8',
);

describe('normalizeBindAddress', () => {
  it.each(['localhost', 'LocalHost', 'localhost.'])('%s → 127.0.0.1', (value) => {
    expect(normalizeBindAddress(value)).toBe('127.0.0.1');
  });

  it.each(['127.0.0.1', '::1', '0.0.0.0', '::', '192.168.1.20', 'localhost6'])(
    '%s stays as it is',
    (value) => {
      expect(normalizeBindAddress(value)).toBe(value);
    },
  );
});

describe('a bind address of localhost, wherever it comes from', () => {
  it('the --bind flag and the bind setting both resolve to 127.0.0.1', () => {
    expect(resolveSessionOptions('devserver', { bind: 'localhost' }, env).bindAddress).toBe('127.0.0.1');
    const fromSetting = resolveSessionOptions('devserver', {}, env, { bind: 'localhost' });
    expect(fromSetting.bindAddress).toBe('127.0.0.1');
  });

  it('tunnel config set <host> bind localhost stores 127.0.0.1', () => {
    expect(settingFromWords('bind', ['localhost'], 'devserver')).toBe('127.0.0.1');
  });

  it('::1 asked for explicitly is kept (and the kubeconfig then says [::1])', () => {
    const options = resolveSessionOptions('devserver', { bind: '::1' }, env);
    expect(options.bindAddress).toBe('::1');
    expect(clientAddress(options.bindAddress)).toBe('[::1]');
  });

  it('a session an older tunnel saved with bind "localhost" is restored on 127.0.0.1', () => {
    const saved = serializeOptions(resolveSessionOptions('devserver', {}, env));
    expect(deserializeOptions({ ...saved, bindAddress: 'localhost' }).bindAddress).toBe('127.0.0.1');
  });
});

const api = apiPort();

describe('--bind localhost: the kubeconfig names the address the listener listens on', () => {
  let listener: ForwardListener | undefined;
  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
  });

  it('kubectl, following the kubeconfig, reaches the API forward', async () => {
    const options = resolveSessionOptions('devserver', { bind: 'localhost' }, env);
    const cluster = k3dCluster('my-app', { api });
    const [spec] = planForwards([cluster], { ...options, lenient: false }).forwards;
    expect(spec?.localAddress).toBe('127.0.0.1');
    // The API forward on a port the OS gives, as connect does when 16443 is busy here.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    listener = new ForwardListener({ ...spec!, localPort: port }, undefined, () => {});
    await listener.start();

    const devServer = fakeDevServer({ clusters: [cluster], kubeconfig: () => K3D_KUBECONFIG });
    const report = await printKubeconfig({
      host: 'devserver',
      options,
      livePorts: async () => new Map([[spec!.id, port]]),
      open: devServer.open,
      onEvent: () => {},
    });
    const server = /server: https:\/\/([^\s]+):(\d+)/.exec(report.yaml ?? '');
    expect(server?.slice(1)).toEqual(['127.0.0.1', String(port)]);
    // A TCP connect to exactly that host:port is accepted by our listener (held: no SSH link here).
    const socket = net.connect({ host: server![1]!, port: Number(server![2]) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.destroy();
  });
});
