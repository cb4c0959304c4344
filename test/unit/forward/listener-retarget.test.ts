// A Service whose node changes keeps its local port: the listener is re-pointed, not restarted, so a
// connection already open keeps going to the old node and the next one reaches the new node.
import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenerSet } from '../../../src/forward/listener-set.js';
import type { ChannelOpener } from '../../../src/forward/types.js';
import type { ForwardSpec } from '../../../src/plan/types.js';
import { forwardSpec } from '../../builders.js';

const sets: ListenerSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((set) => set.stopAll()));
});

/** A channel that answers each write with `<target>:<data>`, so the client sees where it went. */
function echoingOpener(opened: string[]): ChannelOpener {
  return async (spec) => {
    const target = `${spec.remoteHost}:${spec.remotePort}`;
    opened.push(target);
    return new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        this.push(`${target}:${chunk.toString()}`);
        done();
      },
      final(done) {
        this.push(null);
        done();
      },
    });
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function ask(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.write(text);
  });
}

function grafana(localPort: number, node: string): ForwardSpec {
  return forwardSpec({
    id: 'my-app/service/monitoring/grafana:3000',
    cluster: 'my-app',
    kind: 'service',
    localPort,
    remoteHost: node,
    remotePort: 31742,
    nodePort: 31742,
    service: { namespace: 'monitoring', name: 'grafana', port: 3000 },
    via: { kind: 'node', node: node === '172.18.0.3' ? 'k3d-my-app-server-0' : 'k3d-my-app-agent-0' },
  });
}

describe('ListenerSet retargeting', () => {
  it('sends new connections to the new node while an open one keeps its channel', async () => {
    const opened: string[] = [];
    const lines: string[] = [];
    const set = new ListenerSet(echoingOpener(opened), (_level, message) => lines.push(message));
    sets.push(set);
    const port = await freePort();
    expect((await set.apply([grafana(port, '172.18.0.3')])).started).toHaveLength(1);
    const before = await connect(port);
    expect(await ask(before, 'a')).toBe('172.18.0.3:31742:a');

    const result = await set.apply([grafana(port, '172.18.0.4')]);
    expect(result).toMatchObject({ started: [], stopped: [], failed: [] });
    expect(result.retargeted.map((spec) => spec.remoteHost)).toEqual(['172.18.0.4']);
    expect(lines).toContain('forward my-app/service/monitoring/grafana:3000 now goes to 172.18.0.4:31742');

    const after = await connect(port);
    expect(await ask(after, 'b')).toBe('172.18.0.4:31742:b');
    // The connection opened before the change still answers, through its old channel.
    expect(await ask(before, 'c')).toBe('172.18.0.3:31742:c');
    expect(set.snapshot()[0]!.spec.remoteHost).toBe('172.18.0.4');
    expect(set.snapshot()[0]!.stats.total).toBe(2);
    expect(opened).toEqual(['172.18.0.3:31742', '172.18.0.4:31742']);
    before.destroy();
    after.destroy();
  });

  it('leaves an unchanged forward alone and still restarts one whose local port moved', async () => {
    const set = new ListenerSet(echoingOpener([]), () => {});
    sets.push(set);
    const port = await freePort();
    await set.apply([grafana(port, '172.18.0.3')]);
    expect(await set.apply([grafana(port, '172.18.0.3')])).toEqual({
      started: [],
      stopped: [],
      failed: [],
      retargeted: [],
    });
    const other = await freePort();
    const moved = await set.apply([grafana(other, '172.18.0.3')]);
    expect(moved.stopped.map((spec) => spec.localPort)).toEqual([port]);
    expect(moved.started.map((spec) => spec.localPort)).toEqual([other]);
    expect(moved.retargeted).toEqual([]);
  });

  it('retargets a forward whose note changed, so status does not show a stale one', async () => {
    const set = new ListenerSet(echoingOpener([]), () => {});
    sets.push(set);
    const port = await freePort();
    await set.apply([grafana(port, '172.18.0.3')]);
    const noted = { ...grafana(port, '172.18.0.3'), remapped: { from: 3000, reason: 'busy' as const } };
    const result = await set.apply([noted]);
    expect(result.retargeted).toHaveLength(1);
    expect(set.snapshot()[0]!.spec.remapped).toEqual({ from: 3000, reason: 'busy' });
  });
});

describe('a pod forward that fails', () => {
  it('says the pod port-forward failed, not that the dev server refused a port', async () => {
    const lines: string[] = [];
    const refuse: ChannelOpener = async () => {
      throw new Error('No ready pod behind default/backend:9000 on cluster "my-app".');
    };
    const set = new ListenerSet(refuse, (_level, message) => lines.push(message));
    sets.push(set);
    const port = await freePort();
    const backend = forwardSpec({
      id: 'my-app/service/default/backend:9000',
      kind: 'service',
      localPort: port,
      remoteHost: '',
      remotePort: 9000,
      nodePort: 0,
      service: { namespace: 'default', name: 'backend', port: 9000 },
      via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
    });
    await set.apply([backend]);
    const client = await connect(port);
    await new Promise((resolve) => client.once('close', resolve));
    expect(set.snapshot()[0]!.stats.lastError).toBe(
      'pod port-forward to default/backend:9000 failed: No ready pod behind default/backend:9000 on cluster "my-app".',
    );
    expect(lines).toContain('pod port-forward to default/backend:9000 failed; closed the client');
  });
});
