import { describe, expect, it } from 'vitest';
import {
  type CreateReport,
  createJson,
  renderAgentFailure,
  renderCreated,
  renderDeleted,
} from '../../../src/cli/cluster/render.js';
import { parseCreateRequest } from '../../../src/remote/cluster-request.js';

function created(overrides: Partial<CreateReport> = {}): CreateReport {
  return {
    host: 'devserver',
    k3d: { version: 'v5.7.4', path: '/usr/local/bin/k3d' },
    cluster: { ...parseCreateRequest('my-app', {}), apiPort: 16443 },
    warnings: [],
    forward: undefined,
    agentFailure: undefined,
    rediscoverIntervalMs: undefined,
    ...overrides,
  };
}

describe('cluster create/delete output', () => {
  it("escapes the dev server's k3d version", () => {
    const text = renderCreated(created({ k3d: { version: 'v5\x1b]0;owned\x07', path: '/k3d' } }));
    expect(text).toContain('(k3d v5\\x1b]0;owned\\x07)');
    expect(text).not.toContain('\x1b');
  });

  it('says :direct on the load balancer means proxy, as k3d does (pkg/client/ports.go)', () => {
    const cluster = {
      ...parseCreateRequest('my-app', {
        port: ['8080:30080@loadbalancer:0:direct', '9090:30090@loadbalancer:0:proxy'],
      }),
      apiPort: 16443,
    };
    const text = renderCreated(created({ cluster }));
    expect(text).toContain(
      'port 8080 → 30080 (the load balancer; :direct ignored on the load balancer, as k3d does)',
    );
    expect(text).toContain('port 9090 → 30090 (the load balancer)');
  });

  it('still reports the created cluster when --connect failed, and how to forward it', () => {
    const report = created({
      agentFailure: { message: 'the agent exited at start (code 1)', hint: 'see logs', interrupted: false },
    });
    const text = renderCreated(report);
    expect(text).toContain('created cluster my-app on devserver');
    expect(text).toContain('forward it with: tunnel connect devserver');
    expect(createJson(report).forward).toEqual({
      error: { message: 'the agent exited at start (code 1)', hint: 'see logs' },
    });
    expect(
      renderAgentFailure('could not forward it', { message: 'bad\x1b[2J', hint: 'a\nb', interrupted: false }),
    ).toBe('error: the agent could not forward it: bad\\x1b[2J\n  hint: a\n        b\n');
  });

  it('a delete whose agent step failed still says the cluster is deleted', () => {
    const text = renderDeleted({
      host: 'devserver',
      name: 'my-app',
      outcome: 'deleted',
      context: 'k3d-my-app@devserver',
      removedFrom: '/home/dev/.kube/config',
      refreshed: undefined,
      agentFailure: { message: 'timeout', hint: undefined, interrupted: false },
    });
    expect(text).toContain('deleted cluster my-app on devserver');
    expect(text).toContain('removed context k3d-my-app@devserver from /home/dev/.kube/config');
    expect(text).toContain('a session for devserver may forward my-app until its next discovery');
  });
});
