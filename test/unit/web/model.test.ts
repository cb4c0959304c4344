// The page's pure core (web/model.js), imported as the browser gets it: what each part of the page says
// for a status document, the links it will and will not make, and the traffic sparkline's arithmetic.
import { describe, expect, it } from 'vitest';
import {
  bannerView,
  formatBytes,
  formatDuration,
  localLink,
  logLineView,
  rates,
  recordTraffic,
  SPARK_WINDOW_MS,
  sessionView,
  shellWord,
  sparkline,
  titleText,
  viaText,
} from '../../../web/model.js';
import { forwardStatus, sessionStatus } from '../../builders.js';

const NOW = Date.parse('2026-01-01T10:05:00.000Z');
const doc = (sessions = [sessionStatus()]) => ({ schemaVersion: 1 as const, agent: null as never, sessions });

describe('formatting', () => {
  it('says bytes in binary units a person reads at a glance', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('says spans in seconds, minutes, hours and days', () => {
    expect(formatDuration(3_200)).toBe('3 s');
    expect(formatDuration(4 * 60_000)).toBe('4 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(5 * 24 * 3_600_000)).toBe('5 d');
  });
});

describe('localLink', () => {
  it('links an IPv4, IPv6 or localhost address and a real port', () => {
    expect(localLink('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/');
    expect(localLink('localhost', 80)).toBe('http://localhost:80/');
    expect(localLink('::1', 3000)).toBe('http://[::1]:3000/');
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
    expect(cluster?.command).toBe('kubectl --context k3d-my-app@devserver get pods');
    expect(cluster?.api).toEqual({ address: '127.0.0.1:16443', state: { word: 'ok', tone: 'good' } });
    expect(cluster?.forwards).toHaveLength(1); // the API is the kubectl line, not a row
    expect(cluster?.forwards[0]).toMatchObject({
      reaches: 'host port 8080',
      via: 'host port 8080 → nodePort 30080',
      address: '127.0.0.1:18080',
      href: 'http://127.0.0.1:18080/',
      state: { word: 'ok', tone: 'good' },
      note: 'local port 8080 was busy',
    });
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
    expect(view.clusters[0]?.command).toBe('');
  });

  it('cuts an overlong name and quotes a context that is not a plain shell word', () => {
    const view = sessionView(sessionStatus({ host: 'x'.repeat(500) }), new Map(), NOW);
    expect(view.host).toHaveLength(140);
    expect(view.alias).toHaveLength(500);
    expect(shellWord("k3d-a'; rm -rf ~")).toBe("'k3d-a'\\''; rm -rf ~'");
  });
});

describe('traffic history and sparkline', () => {
  const withBytes = (bytesIn: number) =>
    doc([
      sessionStatus({
        clusters: [{ name: 'my-app', context: null, forwards: [forwardStatus({ bytesIn })] }],
      }),
    ]);

  it('puts the bytes between two updates in the second of the later one', () => {
    let history = recordTraffic(new Map(), withBytes(0), NOW - 10_000);
    history = recordTraffic(history, withBytes(4096), NOW - 500);
    const [samples] = [...history.values()];
    const perSecond = rates(samples ?? [], NOW);
    expect(perSecond).toHaveLength(60);
    expect(perSecond[59]).toBe(4096);
    expect(perSecond.slice(0, 59).every((r) => r === 0)).toBe(true);
    expect(sparkline(samples ?? [], NOW).label).toBe('1.3 KiB/s now, peak 4.0 KiB/s');
  });

  it('counts an update received this very millisecond in the last second', () => {
    expect(
      rates(
        [
          { t: NOW - 5000, total: 0 },
          { t: NOW, total: 2048 },
        ],
        NOW,
      )[59],
    ).toBe(2048);
    expect(
      rates(
        [
          { t: NOW - 5000, total: 0 },
          { t: NOW - 1000, total: 2048 },
        ],
        NOW,
      )[58],
    ).toBe(2048);
  });

  it('is flat and idle without traffic, and forgets what is older than the window', () => {
    let history = recordTraffic(new Map(), withBytes(100), NOW - 3 * SPARK_WINDOW_MS);
    history = recordTraffic(history, withBytes(200), NOW - 2 * SPARK_WINDOW_MS);
    history = recordTraffic(history, withBytes(200), NOW);
    const samples = [...history.values()][0] ?? [];
    expect(samples.map((s) => s.t)).toEqual([NOW - 2 * SPARK_WINDOW_MS, NOW]); // one baseline kept
    const line = sparkline(samples, NOW);
    expect(line.label).toBe('idle');
    expect(new Set(line.points.split(' ').map((p) => p.split(',')[1]))).toEqual(new Set(['27.0']));
  });

  it('drops the history of a forward that is gone, and keys it per host', () => {
    const a = recordTraffic(new Map(), withBytes(1), NOW);
    const other = doc([sessionStatus({ host: 'other' })]);
    const b = recordTraffic(a, other, NOW);
    expect([...a.keys()][0]?.startsWith('devserver\n')).toBe(true);
    expect([...b.keys()].every((k) => k.startsWith('other\n'))).toBe(true);
  });

  it('counts a counter that went down (a new forward under the same id) as nothing', () => {
    expect(
      rates(
        [
          { t: NOW - 2000, total: 5000 },
          { t: NOW - 1000, total: 10 },
        ],
        NOW,
      ).every((r) => r === 0),
    ).toBe(true);
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

describe('bannerView and logLineView', () => {
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

  it('renders a log line as time, level and text, bounded', () => {
    const v = logLineView({
      time: null,
      level: 'error',
      host: 'dev',
      message: 'lost',
      fields: 'x'.repeat(5000),
    });
    expect(v).toMatchObject({ time: '', level: 'error', tone: 'bad' });
    expect(v.text.startsWith('[dev] lost x')).toBe(true);
    expect(v.text).toHaveLength(2048);
  });
});
