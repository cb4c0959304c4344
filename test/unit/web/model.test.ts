// The page's pure core (web/model.js), imported as the browser gets it: what each part of the page says
// for a status document, the links it will and will not make (and with which scheme), the lines to copy.
import { describe, expect, it } from 'vitest';
import {
  bannerView,
  kubectlLine,
  linkScheme,
  localLink,
  sessionView,
  titleText,
  viaText,
} from '../../../web/model.js';
import { forwardStatus, sessionStatus } from '../../builders.js';

const NOW = Date.parse('2026-01-01T10:05:00.000Z');
const doc = (sessions = [sessionStatus()]) => ({ schemaVersion: 1 as const, agent: null as never, sessions });

describe('localLink', () => {
  it('links an IPv4, IPv6 or localhost address and a real port', () => {
    expect(localLink('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/');
    expect(localLink('localhost', 80)).toBe('http://localhost:80/');
    expect(localLink('::1', 3000)).toBe('http://[::1]:3000/');
    expect(localLink('127.0.0.1', 8443, 'https')).toBe('https://127.0.0.1:8443/');
  });

  it('opens a wildcard bind on loopback', () => {
    expect(localLink('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080/');
    expect(localLink('::', 8080)).toBe('http://[::1]:8080/');
  });

  it('makes no link of anything else', () => {
    for (const address of [
      'javascript:alert(1)//',
      'evil.example',
      '127.0.0.256',
      '1.2.3',
      '::1::2',
      '',
      '<img>',
    ]) {
      expect(localLink(address, 8080)).toBeNull();
    }
    for (const port of [0, 65536, 80.5, Number.NaN, '8080']) expect(localLink('127.0.0.1', port)).toBeNull();
  });
});

describe('how a forward opens', () => {
  const svc = (port: number, portName: string | null = null) =>
    forwardStatus({ service: { namespace: 'ns', name: 'svc', port, portName }, localPort: 20000 + port });
  const row = (f: ReturnType<typeof forwardStatus>) =>
    sessionView(sessionStatus({ clusters: [{ name: 'c', context: null, forwards: [f] }] }), new Map(), NOW)
      .clusters[0]?.forwards[0];

  it('opens https for a Service port named https or https-…, or on 443 / 8443', () => {
    expect(linkScheme(svc(8000, 'https'))).toBe('https');
    expect(linkScheme(svc(8000, 'https-admin'))).toBe('https');
    expect(linkScheme(svc(443))).toBe('https');
    expect(linkScheme(svc(8443, 'web'))).toBe('https');
    expect(row(svc(443))?.href).toBe('https://127.0.0.1:20443/');
    expect(linkScheme(svc(8000, 'httpsx'))).toBe('http');
    expect(linkScheme(svc(80, 'http'))).toBe('http');
  });

  it('makes no link for a well-known port a browser cannot speak, and offers its address to copy', () => {
    for (const port of [22, 2379, 3306, 5432, 5672, 6379, 9092, 11211, 27017]) {
      expect(linkScheme(svc(port))).toBeNull();
    }
    expect(row(svc(5432))).toMatchObject({ href: null, address: '127.0.0.1:25432', copy: '127.0.0.1:25432' });
    // a host-port forward is judged by its host port: the local one may be remapped
    expect(row(forwardStatus({ remotePort: 6379, localPort: 16379 }))?.href).toBeNull();
  });

  it('copies a loopback address for a wildcard bind, and nothing for an address it does not trust', () => {
    expect(row(forwardStatus({ localAddress: '0.0.0.0' }))).toMatchObject({
      address: '0.0.0.0:8080',
      copy: '127.0.0.1:8080',
      href: 'http://127.0.0.1:8080/',
    });
    expect(row(forwardStatus({ localAddress: '::1' }))?.copy).toBe('[::1]:8080');
    expect(row(forwardStatus({ localAddress: 'evil.example; rm -rf ~' }))).toMatchObject({
      copy: '',
      href: null,
    });
  });
});

describe('sessionView', () => {
  it('shows a forwarding session: its state, its Service forwards with links, the API as a kubectl line', () => {
    const view = sessionView(
      sessionStatus({ transport: { setting: 'auto', kind: 'openssh', reason: 'CertificateFile ~/.ssh/c' } }),
      new Map(),
      NOW,
    );
    expect(view.state).toEqual({ word: 'forwarding', tone: 'good' });
    expect(view.detail).toBe('connected for 5 min');
    expect(view.transport).toBe('OpenSSH (CertificateFile ~/.ssh/c)');
    const [cluster] = view.clusters;
    expect(cluster?.kubectl).toEqual({
      command: 'kubectl --context k3d-my-app@devserver get pods',
      copyable: true,
    });
    expect(cluster?.api).toEqual({ address: '127.0.0.1:16443', state: { word: 'ok', tone: 'good' } });
    expect(cluster?.forwards).toHaveLength(1); // the API is the kubectl line, not a row
    expect(cluster?.forwards[0]).toMatchObject({
      reaches: 'host port 8080',
      via: 'host port 8080 → nodePort 30080',
      address: '127.0.0.1:18080',
      href: 'http://127.0.0.1:18080/',
      state: { word: 'ok', tone: 'good' },
      copy: '127.0.0.1:18080',
      note: 'local port 8080 was busy',
    });
    expect(view.refresh).toMatchObject({ label: 'Refresh', title: "re-read the dev server's clusters now" });
  });

  it('says why a session reconnects, which attempt, and when the next one starts', () => {
    const view = sessionView(
      sessionStatus({
        state: 'reconnecting',
        attempt: 3,
        nextAttemptAt: new Date(NOW + 3_000).toISOString(),
        lastError: { message: 'connection refused', hint: 'is sshd running?', code: 'SSH_CONNECT', at: '' },
      }),
      new Map(),
      NOW,
    );
    expect(view.state).toEqual({ word: 'reconnecting', tone: 'warn' });
    expect(view.detail).toBe('connection refused — attempt 3, next attempt in 3 s');
    expect(view.hint).toBe('is sshd running?');
    expect(view.refresh.label).toBe('Reconnect now');
  });

  it('tells the user to answer the login in a terminal', () => {
    const lastError = { message: 'needs a code', hint: 'tunnel connect devserver', code: null, at: '' };
    const view = sessionView(sessionStatus({ state: 'needs-answer', lastError }), new Map(), NOW);
    expect(view.detail).toBe('the login needs an answer: run `tunnel connect devserver` in a terminal');
    expect(view.hint).toBe(''); // the detail says it already
  });

  it('names a Service and how the dev server reaches it', () => {
    const service = { namespace: 'monitoring', name: 'grafana', port: 3000, portName: null };
    const node = forwardStatus({
      service,
      remotePort: 31742,
      nodePort: null,
      via: { kind: 'node', node: 'n0', address: '172.20.0.3' },
    });
    expect(viaText(node)).toBe('node 172.20.0.3:31742');
    expect(viaText(forwardStatus({ service, via: { kind: 'pod' } }))).toBe('pod port-forward');
    const view = sessionView(
      sessionStatus({ clusters: [{ name: 'c', context: null, forwards: [node] }] }),
      new Map(),
      NOW,
    );
    expect(view.clusters[0]?.forwards[0]?.reaches).toBe('monitoring/grafana:3000');
    expect(view.clusters[0]?.kubectl).toBeNull();
  });

  it('cuts an overlong name, keeping the alias whole for the actions', () => {
    const view = sessionView(sessionStatus({ host: 'x'.repeat(500) }), new Map(), NOW);
    expect(view.host).toHaveLength(140);
    expect(view.alias).toHaveLength(500);
  });

  it('quotes a context for every shell, and offers no copy of one that cannot be pasted safely', () => {
    expect(kubectlLine("k3d-a'; rm -rf ~")).toEqual({
      command: "kubectl --context 'k3d-a'\\''; rm -rf ~' get pods",
      copyable: true,
    });
    // fish reads \' inside quotes as a quote: a backslash never goes into the line (review finding 1)
    expect(kubectlLine("k3d-x\\';echo PWNED;#@devbox")).toEqual({
      command: 'kubectl --context <context> get pods',
      copyable: false,
    });
    expect(kubectlLine('=k3d').command).toBe("kubectl --context '=k3d' get pods");
  });
});

describe('titleText', () => {
  it('counts what needs a look: a session not forwarding, a forward refused or unbound', () => {
    expect(titleText(doc(), false)).toBe('Ports · tunnel');
    const down = sessionStatus({ host: 'b', state: 'reconnecting' });
    const refused = sessionStatus({
      clusters: [
        {
          name: 'c',
          context: null,
          forwards: [forwardStatus({ state: 'refused' }), forwardStatus({ state: 'holding' })],
        },
      ],
    });
    expect(titleText(doc([down, refused]), false)).toBe('(2) Ports · tunnel');
    expect(titleText(doc(), true)).toBe('(stale) Ports · tunnel');
  });
});

describe('bannerView', () => {
  it('says the agent is gone with its hint, and that tunnel ui stopped when its stream fails', () => {
    const gone = bannerView(
      { state: 'gone', since: '', message: 'no agent answers', hint: 'tunnel agent status' },
      false,
    );
    expect(gone).toMatchObject({
      tone: 'bad',
      title: 'The agent is gone',
      detail: 'no agent answers',
      stale: true,
    });
    expect(bannerView({ state: 'up', since: '', pid: 1, version: '0.1.0' }, false)).toBeNull();
    expect(bannerView({ state: 'up', since: '', pid: 1, version: '0.1.0' }, true)?.hint).toBe(
      'run `tunnel ui` again',
    );
  });

  it('tells a tab past the cap why it does not update, never that tunnel ui stopped', () => {
    const refused = {
      message: '16 tabs already follow this page',
      hint: 'close one of them, then reload this one',
    };
    const banner = bannerView(null, true, refused);
    expect(banner).toMatchObject({
      title: 'This tab does not update',
      detail: '16 tabs already follow this page: close one of them, then reload this one',
      stale: true,
    });
    expect(JSON.stringify(banner)).not.toContain('tunnel ui stopped');
  });
});
