// The Ports page's buttons and panes in a real browser against the fixture server (see
// ui-page.test.ts): what the actions send, what the copy buttons copy, the log pane, and a tab the
// page server turned away.
import { describe, expect, it } from 'vitest';
import { forwarding, pageHarness, poll } from './ui-page-harness.js';

const t = pageHarness();

describe("the Ports page's buttons and panes", () => {
  it('posts the actions with the host as JSON; disconnect only after a confirmation', async () => {
    t.fixture.reply = { ok: true, message: 'devserver: clusters re-read' };
    await t.open();
    // forwarding: the button re-reads the clusters, and says so
    const refresh = t.page.getByRole('button', { name: 'Refresh' });
    expect(await refresh.getAttribute('title')).toBe("re-read the dev server's clusters now");
    await refresh.click();
    await t.page.locator('.notice', { hasText: 'devserver: clusters re-read' }).waitFor();
    expect(t.fixture.posts).toEqual([
      { path: 'api/reconnect', contentType: 'application/json', body: { host: 'devserver' } },
    ]);

    t.page.once('dialog', (dialog) => void dialog.dismiss());
    await t.page.getByRole('button', { name: 'Disconnect' }).click();
    expect(t.fixture.posts).toHaveLength(1);

    t.fixture.reply = { ok: false, message: 'no session for devserver', hint: 'tunnel status' };
    t.page.once('dialog', (dialog) => void dialog.accept());
    await t.page.getByRole('button', { name: 'Disconnect' }).click();
    await t.page.locator('.notice', { hasText: 'no session for devserver — tunnel status' }).waitFor();
    expect(t.fixture.posts[1]).toEqual({
      path: 'api/disconnect',
      contentType: 'application/json',
      body: { host: 'devserver' },
    });

    // not forwarding: the same button cuts the wait for the next attempt short
    t.sendStatus([forwarding({ state: 'reconnecting', attempt: 2 })]);
    await t.page.getByRole('button', { name: 'Reconnect now' }).click();
    await poll(() => t.fixture.posts.length).toBe(3);
    expect(t.fixture.posts[2]?.path).toBe('api/reconnect');
  });

  it("copies the kubectl line, and a forward's local address", async () => {
    await t.open();
    await t.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await t.page.getByRole('button', { name: 'Copy', exact: true }).click();
    await t.page.locator('.api').getByRole('button', { name: 'Copied' }).waitFor();
    const clipboard = () => t.page.evaluate(() => navigator.clipboard.readText());
    expect(await clipboard()).toBe('kubectl --context k3d-my-app@devserver get pods');
    const row = t.page.locator('tr.fwd', { hasText: '18080' });
    await row.getByRole('button', { name: 'Copy address' }).click();
    await row.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await clipboard()).toBe('127.0.0.1:18080');
  });

  it('follows the log into a bounded pane', async () => {
    await t.open();
    await t.page.getByRole('button', { name: 'Follow the log' }).click();
    await poll(() => t.fixture.clients().log).toBe(1);
    const line = (i: number) => ({
      time: null,
      level: 'info',
      host: 'devserver',
      message: `line ${i}`,
      fields: 'a=1',
    });
    t.fixture.log(Array.from({ length: 600 }, (_, i) => line(i)));
    await expect
      .poll(() => t.page.locator('#log-lines .line').last().innerText())
      .toContain('[devserver] line 599 a=1');
    expect(await t.page.locator('#log-lines .line').count()).toBe(500);
    const pane = t.page.locator('#log-lines');
    const atBottom = () => pane.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 8);
    expect(await atBottom()).toBe(true);
    // scrolled up to read: new lines do not pull the pane down; a hostile line is text
    await pane.evaluate((el) => {
      el.scrollTop = 0;
    });
    t.fixture.log([{ ...line(600), message: '<img src=x onerror="window.pwned=1">' }]);
    await poll(() => pane.locator('.line').last().innerText()).toContain('<img src=x');
    expect(await pane.evaluate((el) => el.scrollTop)).toBe(0);
    expect(await pane.locator('img').count()).toBe(0);
    await t.page.getByRole('button', { name: 'Follow the log' }).click();
    await poll(() => t.fixture.clients().log).toBe(0);
    expect(await t.page.locator('#log').isHidden()).toBe(true);
  });

  it("tells a tab past the page server's cap why it does not update, and asks no more", async () => {
    t.fixture.refusing = {
      message: '16 tabs already follow this page',
      hint: 'close one of them, then reload this one',
    };
    await t.open();
    const banner = t.page.locator('#banner');
    await banner.filter({ hasText: 'This tab does not update' }).waitFor();
    expect(await banner.innerText()).toContain(
      '16 tabs already follow this page: close one of them, then reload this one',
    );
    // past the 3 s after which a failing stream means tunnel ui is gone: this tab still says why
    await t.page.waitForTimeout(4_000);
    expect(await banner.innerText()).not.toContain('tunnel ui stopped');
    expect(t.fixture.eventRequests()).toBe(1);
    expect(await t.page.locator('section.session').count()).toBe(0);
  });
});
