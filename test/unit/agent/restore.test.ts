// restore() brings saved sessions back after the session layer loads (lazily, agent.ts): meanwhile the
// agent is not idle, so `shutdown {ifIdle}` cannot stop it before its sessions are back.
import { describe, expect, it, vi } from 'vitest';
import type { SessionOptions } from '../../../src/config/resolve.js';

vi.mock('../../../src/agent/store.js', () => ({
  loadSessions: () => ({
    sessions: [
      {
        options: { alias: 'devserver' } as SessionOptions,
        ports: new Map(),
        contexts: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ],
    problems: [],
  }),
  saveSession: async () => {},
  forgetSession: () => {},
}));

vi.mock('../../../src/session/managed-session.js', () => ({
  ManagedSession: class {
    resumed = false;
    readonly options: SessionOptions;
    readonly kubeconfig = { contexts: [] };
    constructor(input: { options: SessionOptions }) {
      this.options = input.options;
    }
    resume() {
      this.resumed = true;
    }
    localPorts() {
      return new Map();
    }
  },
}));

const { Agent } = await import('../../../src/agent/agent.js');

describe('restoring saved sessions', () => {
  it('brings them back, and the agent is not idle while the session layer loads', async () => {
    const agent = new Agent(() => {});
    const restoring = agent.restore();
    expect(agent.claimIdleStop()).toBe(false);
    expect(await restoring).toBe(1);
    expect(agent.hosts()).toEqual(['devserver']);
    expect(agent.claimIdleStop()).toBe(false);
  });
});
