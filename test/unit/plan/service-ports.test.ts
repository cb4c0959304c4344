import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignLocalPorts, type IsPortFree, type PickPort } from '../../../src/plan/ports.js';
import {
  FALLBACK_FIRST,
  FALLBACK_SIZE,
  fallbackCandidates,
  flagConflicts,
  fnv1a,
} from '../../../src/plan/service-ports.js';
import type { ForwardSpec } from '../../../src/plan/types.js';
import { forwardSpec } from '../../builders.js';

/** A Service forward through a node, as the planner makes it. */
function serviceForward(namespace: string, name: string, port: number, cluster = 'my-app'): ForwardSpec {
  return forwardSpec({
    id: `${cluster}/service/${namespace}/${name}:${port}`,
    cluster,
    localPort: port,
    remoteHost: '172.18.0.2',
    remotePort: 30000 + (port % 2000),
    service: { namespace, name, port },
    via: { kind: 'node', node: `k3d-${cluster}-server-0` },
  });
}

/** `busy` ports are held by someone else; the picker is random-ish (it must not matter for Services). */
function system(busy: ReadonlySet<number>, seed = 1) {
  const isFree: IsPortFree = async (_address, port) => !busy.has(port);
  let next = 40000 + seed;
  const pick: PickPort = async (_address, exclude) => {
    while (busy.has(next) || exclude.has(next)) next += 7;
    return next;
  };
  return { isFree, pick };
}

const planAndAssign = (specs: ForwardSpec[], busy: ReadonlySet<number>, seed = 1) =>
  assignLocalPorts(
    flagConflicts(specs, () => false),
    system(busy, seed),
  );

describe('fallbackCandidates', () => {
  it('derives the same high ports from the same id, on any machine (FNV-1a)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    const candidates = fallbackCandidates('my-app/service/monitoring/grafana:3000', 3);
    expect(candidates).toEqual(fallbackCandidates('my-app/service/monitoring/grafana:3000', 3));
    expect(candidates[1]).toBe(
      candidates[0]! + 1 === FALLBACK_FIRST + FALLBACK_SIZE ? FALLBACK_FIRST : candidates[0]! + 1,
    );
    for (const port of candidates) expect(port).toBeGreaterThanOrEqual(FALLBACK_FIRST);
  });
});

describe('assignLocalPorts for Service forwards', () => {
  it('gives a Service that lost its port the first free port of its own candidates, whatever the picker says', async () => {
    const a = serviceForward('alpha', 'web', 8080);
    const b = serviceForward('beta', 'web', 8080);
    const [first, second] = await planAndAssign([b, a], new Set());
    expect(first).toMatchObject({ id: b.id, remapped: { from: 8080, reason: 'conflict' } });
    expect(first?.localPort).toBe(fallbackCandidates(b.id)[0]);
    expect(second).toMatchObject({ id: a.id, localPort: 8080, remapped: undefined });
  });

  it('steps to the next candidate when the first is busy', async () => {
    const web = serviceForward('alpha', 'web', 8080);
    const [c0, c1] = fallbackCandidates(web.id, 2);
    const [assigned] = await planAndAssign([web], new Set([8080, c0!]));
    expect(assigned).toMatchObject({ localPort: c1, remapped: { from: 8080, reason: 'busy' } });
  });

  it('says a port below 1024 that nobody visible holds is privileged, and names a holder when there is one', async () => {
    const http = serviceForward('web', 'site', 80);
    const held = serviceForward('web', 'admin', 443);
    const assigned = await assignLocalPorts([http, held], {
      ...system(new Set([80, 443])),
      holder: async (_address, port) => (port === 443 ? 'nginx (pid 77) on *:443' : undefined),
    });
    expect(assigned.map((spec) => spec.remapped)).toEqual([
      { from: 80, reason: 'privileged' },
      { from: 443, reason: 'busy', heldBy: 'nginx (pid 77) on *:443' },
    ]);
  });

  it('refuses to move a busy NAMESPACE/NAME:PORT pin, naming that --map', async () => {
    const grafana = { ...serviceForward('monitoring', 'grafana', 3000), localPort: 3300 };
    const pinned = { ...grafana, remapped: { from: 3000, reason: 'pinned' as const } };
    await expect(
      assignLocalPorts([pinned], { ...system(new Set([3300])), pins: [['monitoring/grafana:3000', 3300]] }),
    ).rejects.toMatchObject({
      code: 'PORT',
      message: expect.stringContaining('--map monitoring/grafana:3000:3300'),
    });
    const same = serviceForward('monitoring', 'grafana', 3000);
    await expect(
      assignLocalPorts([same], { ...system(new Set([3000])), maps: new Map([[3000, 3000]]) }),
    ).rejects.toMatchObject({ code: 'PORT', message: expect.stringContaining('--map 3000:3000') });
  });
});

describe('Service local ports (properties)', () => {
  const names = fc.constantFrom('web', 'api', 'db', 'grafana', 'cache');
  const spaces = fc.constantFrom('default', 'monitoring', 'shop');
  const ports = fc.constantFrom(80, 443, 3000, 8080, 9000);
  const services = fc.uniqueArray(fc.tuple(spaces, names, ports), {
    selector: ([ns, name, port]) => `${ns}/${name}:${port}`,
    maxLength: 25,
  });
  const busy = fc.uniqueArray(fc.constantFrom(80, 443, 3000, 8080, 9000, 20000, 25000, 29999), {
    maxLength: 4,
  });

  it('never gives two forwards one local port, and every one gets a port', async () => {
    await fc.assert(
      fc.asyncProperty(services, busy, async (list, held) => {
        const assigned = await planAndAssign(
          list.map(([ns, name, port]) => serviceForward(ns, name, port)),
          new Set(held),
        );
        const local = assigned.map((spec) => spec.localPort);
        expect(new Set(local).size).toBe(local.length);
        for (const port of local) expect(held).not.toContain(port);
        for (const port of local) expect(port).toBeGreaterThan(0);
      }),
    );
  });

  it('gives each Service the same port whatever the order it is listed in and whatever the picker does', async () => {
    await fc.assert(
      fc.asyncProperty(services, busy, fc.integer({ min: 1, max: 1000 }), async (list, held, seed) => {
        const specs = list.map(([ns, name, port]) => serviceForward(ns, name, port));
        const byId = (assigned: ForwardSpec[]) =>
          Object.fromEntries(assigned.map((spec) => [spec.id, [spec.localPort, spec.remapped?.reason]]));
        const once = byId(await planAndAssign(specs, new Set(held), 1));
        const again = byId(await planAndAssign([...specs].reverse(), new Set(held), seed));
        expect(again).toEqual(once);
      }),
    );
  });

  it('does not move a Service when another Service that sorts after it appears', async () => {
    await fc.assert(
      fc.asyncProperty(services, async (list) => {
        const specs = list.map(([ns, name, port]) => serviceForward(ns, name, port));
        const before = await planAndAssign(specs, new Set());
        const after = await planAndAssign([...specs, serviceForward('zzz', 'late', 8080)], new Set());
        for (const spec of before)
          expect(after.find((other) => other.id === spec.id)?.localPort).toBe(spec.localPort);
      }),
    );
  });
});
