// Saved-session records for the store tests (store.test.ts, store-case.test.ts).
import type { SavedSession } from '../../../src/agent/store.js';
import type { SessionOptions } from '../../../src/config/resolve.js';

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
