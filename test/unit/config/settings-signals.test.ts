// Reading a host's settings must not hook Ctrl-C. conf's atomic writer (when-exit) hooks SIGINT/SIGTERM as
// soon as it is loaded and re-sends the signal after its clean-up, which killed `image push` in the middle
// of removing its temporary file on the dev server. Only writing settings may load it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

it('reads a host’s settings without hooking SIGINT; only opening the store for writing does', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-settings-'));
  homes.push(home);
  const env = { TUNNEL_HOME: path.join(home, 'state') };
  const file = path.join(env.TUNNEL_HOME, 'settings', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ hosts: { devserver: { bind: '::1', holdTimeout: '1m' } } }));
  const before = process.listenerCount('SIGINT');
  const { loadHostSettings, SettingsStore } = await import('../../../src/config/settings.js');
  expect(loadHostSettings('devserver', env)).toEqual({ bind: '::1', holdTimeout: '1m' });
  expect(loadHostSettings('other', env)).toEqual({});
  expect(process.listenerCount('SIGINT')).toBe(before);
  // The store (config set, connect --save) loads conf, and with it the hook this test guards against.
  (await SettingsStore.open(env)).update('devserver', { bind: '127.0.0.1' });
  expect(loadHostSettings('devserver', env)).toEqual({ bind: '127.0.0.1', holdTimeout: '1m' });
  expect(process.listenerCount('SIGINT')).toBeGreaterThan(before);
});
