// The Ports page in a real browser (Debian's chromium, driven by playwright-core) against a fixture
// server that serves web/ with the real CSP and scripts its event streams: what a user sees. The
// buttons are in ui-page-actions.test.ts; the real `tunnel ui` server and agent are tested elsewhere.
import { describe, expect, it } from 'vitest';
import { forwardStatus, sessionStatus } from '../builders.js';
import { forwarding, pageHarness, poll, UP } from './ui-page-harness.js';

const t = pageHarness();

describe('the Ports page', () => {
  it('shows each dev server with its state, and each forward with its local address as a link', async () => {
    await t.open();
    await t.page.locator('section.session h2', { hasText: 'devserver' }).waitFor();
    expect(await t.text('section.session .pill')).toContain('forwarding');
    expect(await t.page.title()).toBe('Ports · tunnel');
    expect(await t.text('section.session')).toContain('dev.example.com');
    const rows = t.page.locator('tr.fwd');
    expect(await rows.count()).toBe(2); // the API is the kubectl line, not a row
    const link = t.page.getByRole('link', { name: '127.0.0.1:18080' });
    expect(await link.getAttribute('href')).toBe('http://127.0.0.1:18080/');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await t.text('tr.fwd:nth-child(1)')).toContain('host port 8080 → nodePort 30080');
    expect(await t.text('tr.fwd:nth-child(1)')).toContain('local port 8080 was busy');
    const grafanaRow = t.page.locator('tr.fwd', { hasText: 'monitoring/grafana:3000' });
    expect(await grafanaRow.innerText()).toContain('node 172.20.0.3:31742');
    expect(await grafanaRow.getByRole('link').getAttribute('href')).toBe('http://127.0.0.1:3000/');
    expect(await t.text('.api code')).toBe('kubectl --context k3d-my-app@devserver get pods');
    expect(await t.text('.api')).toContain('API 127.0.0.1:16443');
    expect(await t.page.locator('#agent').innerText()).toBe('agent 0.1.0 · pid 4242');
  });

  it('shows hostile names as text: nothing they carry runs or becomes a link', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    t.sendStatus([
      sessionStatus({
        host: '<b>dev</b>',
        clusters: [
          {
            name: '<script>window.pwned=2</script>',
            context: "ctx'; touch /tmp/pwned",
            forwards: [
              forwardStatus({
                service: { namespace: 'javascript:alert(1)', name: hostile, port: 80, portName: null },
              }),
              forwardStatus({ id: 'x', localAddress: 'javascript:window.pwned=3//', lastError: hostile }),
            ],
          },
          // fish reads \' inside single quotes as a quote: this one can't be pasted safely anywhere
          { name: 'fish-bait', context: "k3d-x\\';echo PWNED;#@devbox", forwards: [] },
        ],
      }),
    ]);
    await t.open();
    await t.page.locator('section.session h2').waitFor();
    expect(await t.text('section.session h2')).toBe('<b>dev</b>');
    expect(await t.text('.cluster h3')).toBe('<script>window.pwned=2</script>');
    expect(await t.text('tr.fwd .reaches')).toBe(`javascript:alert(1)/${hostile}:80`);
    expect(await t.text('tr.err')).toBe(hostile);
    expect(await t.page.locator('#sessions img, #sessions script, #sessions b').count()).toBe(0);
    const hrefs = await t.page
      .locator('#sessions a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['http://127.0.0.1:8080/']); // the javascript: address is shown, not linked
    expect(await t.page.locator('tr.fwd').nth(1).locator('.addr').innerText()).toBe(
      'javascript:window.pwned=3//:8080',
    );
    expect(await t.text('.api code')).toBe("kubectl --context 'ctx'\\''; touch /tmp/pwned' get pods");
    const bait = t.page.locator('.cluster', { hasText: 'fish-bait' });
    expect(await bait.locator('.api code').innerText()).toBe('kubectl --context <context> get pods');
    expect(await bait.getByRole('button').count()).toBe(0); // nothing to copy that could run
    expect(await t.page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('updates in place on a new status event: bytes and the sparkline', async () => {
    await t.open();
    const row = t.page.locator('tr.fwd', { hasText: '18080' });
    await row.waitFor();
    expect(await row.innerText()).toContain('idle');
    const link = await row.getByRole('link').elementHandle();
    t.sendStatus([forwarding({}, 2 * 1024 * 1024)]);
    await poll(() => row.innerText()).toContain('2.0 MiB');
    expect(await row.innerText()).toMatch(/KiB\/s now, peak 2\.0 MiB\/s/);
    const heights = await row
      .locator('polyline')
      .evaluate((p) => (p.getAttribute('points') ?? '').split(' ').map((xy) => Number(xy.split(',')[1])));
    expect(Math.min(...heights)).toBeLessThan(5); // the last second is the peak, drawn at the top
    // the link under the pointer is the same element after the update (a click in progress lands)
    expect(await link?.evaluate((a) => a.isConnected)).toBe(true);
  });

  it('shows a reconnect: why, the attempt, and a countdown to the next one', async () => {
    t.sendStatus([
      forwarding({
        state: 'reconnecting',
        attempt: 3,
        connectedAt: null,
        nextAttemptAt: new Date(Date.now() + 30_000).toISOString(),
        lastError: {
          message: 'connection refused by dev.example.com:22',
          hint: 'is sshd running?',
          code: null,
          at: '',
        },
      }),
    ]);
    await t.open();
    const session = t.page.locator('section.session');
    await poll(() => session.locator('.pill').first().innerText()).toContain('reconnecting');
    expect(await session.locator('.detail').innerText()).toMatch(
      /^connection refused by dev\.example\.com:22 — attempt 3, next attempt in \d+ s/,
    );
    // the countdown moves on by itself, without a new status event
    const secondsLeft = async () =>
      Number(/in (\d+) s/.exec(await session.locator('.detail').innerText())?.[1]);
    const first = await secondsLeft();
    expect(first).toBeLessThanOrEqual(30);
    await poll(secondsLeft).toBeLessThan(first);
    expect(await session.locator('.hint').innerText()).toBe('is sshd running?');
    expect(await session.getAttribute('class')).toContain('tone-warn');
    expect(await t.page.title()).toBe('(1) Ports · tunnel');
  });

  it('says the agent is gone, with its hint, and greys the last document it had', async () => {
    await t.open();
    await t.page.locator('tr.fwd').first().waitFor();
    t.fixture.agent({
      state: 'gone',
      since: '',
      message: 'no agent answers on the control socket',
      hint: 'tunnel agent status',
    });
    await t.page.locator('#banner', { hasText: 'The agent is gone' }).waitFor();
    expect(await t.text('#banner')).toContain('no agent answers on the control socket');
    expect(await t.text('#banner code')).toBe('tunnel agent status');
    expect(await t.page.locator('#sessions').getAttribute('class')).toContain('stale');
    expect(await t.page.locator('tr.fwd').count()).toBe(2); // still shown
    t.fixture.agent(UP);
    await poll(() => t.page.locator('#banner').isHidden()).toBe(true);
    expect(await t.page.locator('#sessions').getAttribute('class')).not.toContain('stale');
  });

  it('opens each forward the way a browser can: https by the Service port, none for a database', async () => {
    const svc = (name: string, port: number, portName: string | null) =>
      forwardStatus({
        id: `my-app/service/apps/${name}:${port}`,
        localPort: 20000 + port,
        service: { namespace: 'apps', name, port, portName },
      });
    t.sendStatus([
      sessionStatus({
        clusters: [
          {
            name: 'my-app',
            context: null,
            forwards: [svc('web', 443, null), svc('admin', 9000, 'https-admin'), svc('db', 5432, 'tcp-pg')],
          },
        ],
      }),
    ]);
    await t.open();
    const row = (name: string) => t.page.locator('tr.fwd', { hasText: `apps/${name}:` });
    await row('db').waitFor();
    expect(await row('web').getByRole('link').getAttribute('href')).toBe('https://127.0.0.1:20443/');
    expect(await row('admin').getByRole('link').getAttribute('href')).toBe('https://127.0.0.1:29000/');
    // a click on PostgreSQL would only show a browser error: its address is text, with a copy button
    expect(await row('db').getByRole('link').count()).toBe(0);
    expect(await row('db').locator('.addr').innerText()).toBe('127.0.0.1:25432');
    expect(await row('db').getByRole('button', { name: 'Copy address' }).count()).toBe(1);
  });

  it.each(['light', 'dark'] as const)('renders in %s mode', async (scheme) => {
    await t.open(scheme);
    await t.page.locator('tr.fwd').first().waitFor();
    const [bg, fg] = await t.page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return [style.backgroundColor, style.color];
    });
    const luminance = (rgb: string) => {
      const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    if (scheme === 'dark') expect(luminance(bg)).toBeLessThan(0.2);
    else expect(luminance(bg)).toBeGreaterThan(0.8);
    expect(Math.abs(luminance(bg) - luminance(fg))).toBeGreaterThan(0.6); // text stays readable
  });

  it('says tunnel ui stopped when its event stream fails', async () => {
    await t.open();
    await t.page.locator('tr.fwd').first().waitFor();
    t.fixture.stopEvents();
    await t.page.locator('#banner', { hasText: 'tunnel ui stopped' }).waitFor({ timeout: 15_000 });
    expect(await t.text('#banner code')).toBe('run `tunnel ui` again');
    expect(await t.page.locator('tr.fwd').count()).toBe(2);
  });
});
