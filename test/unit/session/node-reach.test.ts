// Whether a cluster's node addresses are reachable decides between a node forward and "mapped ports
// only, and why": the verdicts a user would read in status for each way docker can run on the dev server.
import { describe, expect, it } from 'vitest';
import { probeNodeReach } from '../../../src/session/node-reach.js';
import { fakeConnection, manualClock, nodes } from './service-fakes.js';

const cluster = { name: 'my-app', nodes: nodes('my-app') };

describe('probeNodeReach', () => {
  it('is reachable when a channel to the first server node’s API port opens, and closes that channel', async () => {
    const connection = fakeConnection();
    const verdict = await probeNodeReach({
      ssh: connection.devServer.ssh,
      engine: { remoteHost: undefined },
      cluster,
      clock: manualClock(),
    });
    expect(verdict).toEqual({ reachable: true });
    expect(connection.dialled).toEqual(['172.18.0.3:6443']);
    expect(connection.channels[0]!.destroyed).toBe(true);
  });

  it('names the engine’s host and dials nothing when docker runs on another machine', async () => {
    const connection = fakeConnection();
    const verdict = await probeNodeReach({
      ssh: connection.devServer.ssh,
      engine: { remoteHost: 'build-box' },
      cluster,
      clock: manualClock(),
    });
    expect(verdict).toEqual({
      reachable: false,
      reason: 'the docker engine runs on build-box; its cluster network is not reachable from the dev server',
      cause: 'docker runs on build-box',
    });
    expect(connection.dialled).toEqual([]);
  });

  it('says the node refused and points at rootless docker', async () => {
    const connection = fakeConnection({ answer: 'refused' });
    const verdict = await probeNodeReach({
      ssh: connection.devServer.ssh,
      engine: { remoteHost: undefined },
      cluster,
      clock: manualClock(),
    });
    expect(verdict.reachable).toBe(false);
    const reason = verdict.reachable ? '' : verdict.reason;
    expect(reason).toContain('cannot connect to node 172.18.0.3 (k3d-my-app-server-0)');
    expect(reason).toContain('Connection refused');
    expect(reason).toContain('rootless docker');
    expect(verdict).toMatchObject({ cause: 'rootless docker?' });
  });

  it('gives up after the timeout and closes the channel that opens too late', async () => {
    const connection = fakeConnection({ answer: 'hang' });
    const clock = manualClock();
    const probing = probeNodeReach({
      ssh: connection.devServer.ssh,
      engine: { remoteHost: undefined },
      cluster,
      clock,
      timeoutMs: 3_000,
    });
    await Promise.resolve();
    clock.fireAll();
    const verdict = await probing;
    expect(verdict.reachable).toBe(false);
    expect(verdict.reachable ? '' : verdict.reason).toMatch(
      /did not answer the dev server within 3 s; rootless docker/,
    );
    connection.answerLate();
    await new Promise((resolve) => setImmediate(resolve));
    expect(connection.channels[0]!.destroyed).toBe(true);
  });

  it('is unreachable, dialling nothing, when k3d names no running server address', async () => {
    const connection = fakeConnection();
    const verdict = await probeNodeReach({
      ssh: connection.devServer.ssh,
      engine: { remoteHost: undefined },
      cluster: { name: 'old', nodes: undefined },
      clock: manualClock(),
    });
    expect(verdict).toEqual({
      reachable: false,
      reason: 'k3d names no address for a running server node of old',
      cause: 'no server node address',
    });
    expect(connection.dialled).toEqual([]);
  });
});
