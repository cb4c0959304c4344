// Saved-session records and a temporary TUNNEL_HOME for the store tests (store.test.ts, store-case.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { SavedSession } from '../../../src/agent/store.js';
import { defaultServiceSelection, type SessionOptions } from '../../../src/config/resolve.js';

function options(alias: string, overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    alias,
    sshConfigFile: '/home/me/.ssh/config',
    clusters: ['my-app'],
    maps: new Map([
      [8080, 18080],
      [3000, 13000],
    ]),
    bindAddress: '127.0.0.1',
    acceptNewHostKey: false,
    kubeconfig: { kind: 'merge', file: '/home/me/.kube/config', switchContext: true },
    contextTemplate: 'k3d-{cluster}@{host}',
    holdTimeoutMs: 45_000,
    rediscoverIntervalMs: 60_000,
    transport: 'openssh',
    askpass: '/usr/bin/ssh-askpass',
    services: defaultServiceSelection(),
    ...overrides,
  };
}

export function saved(alias: string, overrides: Partial<SessionOptions> = {}): SavedSession {
  return {
    options: options(alias, overrides),
    ports: new Map([
      ['my-app/api/127.0.0.1:16443', 41234],
      ['my-app/service/127.0.0.1:8080', 18080],
    ]),
    contexts: ['k3d-my-app@devserver'],
    createdAt: '2026-01-01T10:00:00.000Z',
  };
}

/** A fresh TUNNEL_HOME for every test (restored and deleted after it); returns its sessions folder. */
export function sessionsDirPerTest(): () => string {
  let home = '';
  let previousHome: string | undefined;
  beforeEach(() => {
    previousHome = process.env.TUNNEL_HOME;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-store-'));
    process.env.TUNNEL_HOME = home;
  });
  afterEach(() => {
    if (previousHome === undefined) delete process.env.TUNNEL_HOME;
    else process.env.TUNNEL_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
  });
  return () => path.join(home, 'sessions');
}
