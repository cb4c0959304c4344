import { describe, expect, it } from 'vitest';
import { assignLocalPorts, type IsPortFree, type PickPort } from '../../../src/plan/ports.js';
import type { ForwardSpec } from '../../../src/plan/types.js';
import { forwardSpec } from '../../builders.js';

function spec(remotePort: number, overrides: Partial<ForwardSpec> = {}): ForwardSpec {
  return forwardSpec({ remotePort, ...overrides });
}

/** Ports in `busy` are held by someone else; everything else binds. Records what was probed. */
function fakeSystem(busy: number[]) {
  const probed: string[] = [];
  const isFree: IsPortFree = async (address, port) => {
    probed.push(`${address}:${port}`);
    return !busy.includes(port);
  };
  let next = 50000;
  const pick: PickPort = async (_address, exclude) => {
    while (busy.includes(next) || exclude.has(next)) next++;
    return next++;
  };
  return { isFree, pick, probed };
}

describe('assignLocalPorts', () => {
  it('keeps the dev-server port number when it is free locally', async () => {
    const system = fakeSystem([]);
    const [assigned] = await assignLocalPorts([spec(8080)], system);
    expect(assigned).toEqual(spec(8080));
    expect(system.probed).toEqual(['127.0.0.1:8080']);
  });

  it('moves a busy port to a free one and says why', async () => {
    const [assigned] = await assignLocalPorts([spec(8080)], fakeSystem([8080]));
    expect(assigned).toMatchObject({ localPort: 50000, remapped: { from: 8080, reason: 'busy' } });
  });

  it('gives planner conflicts a fresh port and keeps the conflict reason', async () => {
    const conflict = spec(8080, {
      id: 'b/service/127.0.0.1:8080',
      localPort: 0,
      remapped: { from: 8080, reason: 'conflict' },
    });
    const assigned = await assignLocalPorts([spec(8080), conflict], fakeSystem([]));
    expect(assigned.map((s) => [s.localPort, s.remapped?.reason])).toEqual([
      [8080, undefined],
      [50000, 'conflict'],
    ]);
  });

  it('never gives two forwards the same local port', async () => {
    const twin = spec(8080, { id: 'other/service/127.0.0.1:8080' });
    const assigned = await assignLocalPorts([spec(8080), twin], fakeSystem([]));
    expect(new Set(assigned.map((s) => s.localPort)).size).toBe(2);
    expect(assigned[1]?.remapped).toEqual({ from: 8080, reason: 'busy' });
  });

  it("names a busy port's holder; a port an earlier forward of the same round took has none to name", async () => {
    const asked: number[] = [];
    const holder = async (_address: string, port: number) => {
      asked.push(port);
      return `com.docker.backend (pid 901) on *:${port}`;
    };
    const twin = spec(3000, { id: 'other/service/127.0.0.1:3000' });
    const assigned = await assignLocalPorts([spec(8080), spec(3000), twin], {
      ...fakeSystem([8080]),
      holder,
    });
    expect(assigned[0]?.remapped).toEqual({
      from: 8080,
      reason: 'busy',
      heldBy: 'com.docker.backend (pid 901) on *:8080',
    });
    expect(assigned[2]?.remapped).toEqual({ from: 3000, reason: 'busy' });
    expect(asked).toEqual([8080]);
  });

  it('refuses to move a busy --map pin, naming the port and how to find its holder', async () => {
    const pinned = spec(8080, { localPort: 18080, remapped: { from: 8080, reason: 'pinned' } });
    await expect(assignLocalPorts([pinned], fakeSystem([18080]))).rejects.toMatchObject({
      code: 'PORT',
      message: 'Local port 18080 (pinned with --map 8080:18080) is already in use on 127.0.0.1.',
      hint: expect.stringMatching(
        /--map 8080:<port>.*lsof -iTCP:18080 -sTCP:LISTEN.*ss -ltnp 'sport = :18080'/,
      ),
    });
  });

  it('once forwarding, leaves a busy pin out (handing over why) and still places the others', async () => {
    const pinned = spec(8080, { localPort: 18080, remapped: { from: 8080, reason: 'pinned' } });
    const left: string[] = [];
    const result = await assignLocalPorts([pinned, spec(9000)], {
      ...fakeSystem([18080]),
      leaveOut: (leftSpec, error) => left.push(`${leftSpec.remotePort}: ${error.message}`),
    });
    expect(result.map((entry) => entry.localPort)).toEqual([9000]);
    expect(left).toEqual([
      '8080: Local port 18080 (pinned with --map 8080:18080) is already in use on 127.0.0.1.',
    ]);
  });

  it('treats --map 8080:8080 as a pin too', async () => {
    const system = { ...fakeSystem([8080]), maps: new Map([[8080, 8080]]) };
    await expect(assignLocalPorts([spec(8080)], system)).rejects.toMatchObject({ code: 'PORT' });
  });

  it('fails loudly when the picker hands out a port already given away', async () => {
    const pick: PickPort = async () => 8080;
    const conflict = spec(8080, {
      id: 'b/service/127.0.0.1:8080',
      localPort: 0,
      remapped: { from: 8080, reason: 'conflict' },
    });
    await expect(
      assignLocalPorts([spec(8080), conflict], { isFree: async () => true, pick }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});

describe('assignLocalPorts when the dev server is this machine', () => {
  it('never listens on the port a forward goes to (it would connect to itself), even when it is free', async () => {
    const [assigned] = await assignLocalPorts([spec(8080)], { ...fakeSystem([]), devServerIsLocal: true });
    // 'self', not 'busy': nothing holds 8080, and the message must not say it is in use.
    expect(assigned).toMatchObject({ localPort: 50000, remapped: { from: 8080, reason: 'self' } });
  });

  it('keeps the port for a forward to another host of the dev server network', async () => {
    const other = spec(8080, { remoteHost: '172.18.0.3', id: 'a/service/172.18.0.3:8080' });
    const [assigned] = await assignLocalPorts([other], { ...fakeSystem([]), devServerIsLocal: true });
    expect(assigned?.localPort).toBe(8080);
  });

  it('refuses a --map pin onto the same port, with a hint', async () => {
    const pinned = spec(8080, { localPort: 8080 });
    await expect(
      assignLocalPorts([pinned], {
        ...fakeSystem([]),
        devServerIsLocal: true,
        maps: new Map([[8080, 8080]]),
      }),
    ).rejects.toMatchObject({
      code: 'PORT',
      message: expect.stringContaining('to itself'),
      hint: expect.stringContaining('--map 8080:'),
    });
  });
});
