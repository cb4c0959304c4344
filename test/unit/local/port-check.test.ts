// A port held on the wildcard address reads as taken on macOS (issue 13 item 8). Node's bind succeeds there
// (libuv's SO_REUSEADDR, XNU's rules), so these tests give the darwin path a bind that says "free" — as the
// real one does on a Mac — and lsof output shaped exactly like macOS's (COMMAND cut to 9 characters unless
// `+c 0` asks for the whole name, the wildcard printed as *:P for both IPv4 and IPv6 sockets, hex kernel
// addresses in DEVICE).
import { describe, expect, it } from 'vitest';
import { checkBeforeCreate } from '../../../src/cluster/checks.js';
import { runDoctor } from '../../../src/doctor/run.js';
import { holderText, localPortCheck } from '../../../src/local/port-check.js';
import { portOwnerHint } from '../../../src/local/port-owner.js';
import { parseCreateRequest } from '../../../src/remote/cluster-request.js';
import type { PortMapping } from '../../../src/remote/types.js';
import { planSession } from '../../../src/session/session-plan.js';
import { apiPort, k3dCluster } from '../../builders.js';
import { fakeDevServer } from '../cluster/fake-dev-server.js';
import { fakePorts } from '../doctor/fakes.js';

/** `lsof +c 0 -nP -iTCP -sTCP:LISTEN` on a Mac with AirPlay Receiver on, Docker Desktop publishing 8080, a
 *  dev server on 127.0.0.1:3000 and something on [::1]:9000. `+c 0`: the whole command name, the column
 *  as wide as the longest. */
const MAC_LSOF = `COMMAND             PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME
ControlCenter       512   me    9u  IPv4 0x5b3a1f2c9d8e7a41      0t0  TCP *:7000 (LISTEN)
ControlCenter       512   me   10u  IPv6 0x5b3a1f2c9d8e7b52      0t0  TCP *:7000 (LISTEN)
ControlCenter       512   me   11u  IPv4 0x5b3a1f2c9d8e7c63      0t0  TCP *:5000 (LISTEN)
ControlCenter       512   me   12u  IPv6 0x5b3a1f2c9d8e7d74      0t0  TCP *:5000 (LISTEN)
com.docker.backend  901   me  150u  IPv6 0x5b3a1f2c9d8e7e85      0t0  TCP *:8080 (LISTEN)
node               4711   me   23u  IPv4 0x5b3a1f2c9d8e7f96      0t0  TCP 127.0.0.1:3000 (LISTEN)
Python             5020   me    4u  IPv6 0x5b3a1f2c9d8e80a7      0t0  TCP [::1]:9000 (LISTEN)
`;

/** The same without `+c 0`: lsof's default COMMAND width, 9 characters. */
const MAC_LSOF_CUT = MAC_LSOF.replace(/^(\S+)( +)/gm, (_line, name: string, gap: string) =>
  name.length > 9 ? `${name.slice(0, 9)}${' '.repeat(gap.length + name.length - 9)}` : `${name}${gap}`,
);

const COMMAND_LINES = new Map([
  [512, '/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter'],
  [901, '/Applications/Docker.app/Contents/MacOS/com.docker.backend'],
]);

function mac(options: { lsof?: string; offers?: number[] } = {}) {
  const calls: string[] = [];
  const offers = [...(options.offers ?? [49152])];
  const check = localPortCheck({
    platform: 'darwin',
    // What Node's bind says on a Mac: free, beside a wildcard holder (only 127.0.0.1:3000 is refused).
    bind: async (address, port) => !(address === '127.0.0.1' && port === 3000),
    pickPort: async (_address, exclude) => {
      const port = offers.find((offer) => !exclude.has(offer));
      if (port === undefined) throw new Error('no offer left');
      return port;
    },
    run: async (command, args) => {
      calls.push([command, ...args].join(' '));
      if (command !== 'lsof') return '';
      return options.lsof ?? (args.join(' ').startsWith('+c 0 ') ? MAC_LSOF : MAC_LSOF_CUT);
    },
    commandLineOf: async (pid) => COMMAND_LINES.get(pid),
  });
  return { check, calls };
}

describe('localPortCheck on macOS', () => {
  it('a port held on *:P (AirPlay Receiver, Docker Desktop) is taken though the bind succeeds', async () => {
    const { check } = mac();
    expect(await check.isFree('127.0.0.1', 5000)).toBe(false);
    expect(await check.isFree('127.0.0.1', 7000)).toBe(false);
    expect(await check.isFree('127.0.0.1', 8080)).toBe(false);
    expect(await check.isFree('127.0.0.1', 3000)).toBe(false);
    expect(await check.isFree('127.0.0.1', 6000)).toBe(true);
    // [::1]:9000 is another address: a listener on 127.0.0.1:9000 takes nothing from it.
    expect(await check.isFree('127.0.0.1', 9000)).toBe(true);
    // --bind 0.0.0.0 collides with every holder of the port.
    expect(await check.isFree('0.0.0.0', 9000)).toBe(false);
  });

  it('asks lsof once for every listener, however many ports it checks', async () => {
    const { check, calls } = mac();
    for (const port of [5000, 6000, 7000, 8080, 16443]) await check.isFree('127.0.0.1', port);
    expect(calls).toEqual(['lsof +c 0 -nP -iTCP -sTCP:LISTEN']);
  });

  it('names the holder, and that it holds the wildcard address', async () => {
    const { check } = mac();
    const airplay = await check.owner('127.0.0.1', 5000);
    expect(airplay).toMatchObject({ pid: 512, name: 'ControlCenter', address: '0.0.0.0' });
    expect(holderText(airplay!)).toBe('ControlCenter (pid 512) on *:5000');
    const docker = await check.owner('127.0.0.1', 8080);
    expect(holderText(docker!)).toBe('com.docker.backend (pid 901) on *:8080');
    expect(docker?.commandLine).toBe('/Applications/Docker.app/Contents/MacOS/com.docker.backend');
    expect(holderText((await check.owner('127.0.0.1', 3000))!)).toBe('node (pid 4711)');
  });

  it("the next step for AirPlay Receiver and Docker Desktop is what to turn off, not kill <pid> (they'd restart)", async () => {
    const { check } = mac();
    expect(portOwnerHint(await check.owner('127.0.0.1', 5000), 5000, 'darwin')).toBe(
      'AirPlay Receiver holds it: turn it off in System Settings → General → AirDrop & Handoff',
    );
    expect(portOwnerHint(await check.owner('127.0.0.1', 8080), 8080, 'darwin')).toContain(
      'docker ps --filter publish=8080',
    );
    expect(portOwnerHint(await check.owner('127.0.0.1', 3000), 3000, 'darwin')).toContain('kill 4711');
  });

  it('a port the OS offers that a wildcard holder has is passed over', async () => {
    const { check } = mac({ offers: [8080, 5000, 18080] });
    expect(await check.pick('127.0.0.1', new Set())).toBe(18080);
  });

  it('no lsof output (missing, or nothing listens) leaves the bind as the answer', async () => {
    const { check } = mac({ lsof: '' });
    expect(await check.isFree('127.0.0.1', 5000)).toBe(true);
    expect(await check.isFree('127.0.0.1', 3000)).toBe(false);
  });
});

describe('localPortCheck on Linux', () => {
  it('the bind is the whole answer: lsof is never run to decide', async () => {
    const calls: string[] = [];
    const check = localPortCheck({
      platform: 'linux',
      bind: async (_address, port) => port !== 5000,
      run: async (command, args) => {
        calls.push([command, ...args].join(' '));
        return '';
      },
    });
    expect(await check.isFree('127.0.0.1', 5000)).toBe(false);
    expect(await check.isFree('127.0.0.1', 8080)).toBe(true);
    expect(calls).toEqual([]);
  });
});

const api = apiPort();
const web: PortMapping = { ...api, containerPort: 30080, hostPort: 8080, isApi: false };

describe("connect's port assignment on a Mac where Docker Desktop publishes 8080", () => {
  it('the forward gets another local port, with a note naming the holder', async () => {
    const { check } = mac({ offers: [18080] });
    const plan = await planSession({
      clusters: [k3dCluster('my-app', { api, ports: [web] })],
      options: { clusters: [], maps: new Map(), bindAddress: '127.0.0.1' },
      lenient: false,
      live: [],
      preferredPorts: new Map(),
      devServerIsLocal: false,
      localPorts: check,
    });
    const service = plan.forwards.find((spec) => spec.kind === 'service');
    expect(service?.localPort).toBe(18080);
    expect(service?.remapped).toEqual({
      from: 8080,
      reason: 'busy',
      heldBy: 'com.docker.backend (pid 901) on *:8080',
    });
    expect(plan.forwards.find((spec) => spec.kind === 'api')?.localPort).toBe(16443);
  });
});

describe('doctor on a Mac', () => {
  it('names the wildcard holder of a port connect would use', async () => {
    const { check: ports } = mac();
    const report = await runDoctor({
      alias: 'devserver',
      plan: { clusters: [], maps: new Map(), bindAddress: '127.0.0.1' },
      ports: fakePorts({
        isPortFree: ports.isFree,
        portOwner: (port, address) => ports.owner(address, port),
      }),
      onResult: () => {},
    });
    const local = report.checks.find((entry) => entry.id === 'local-ports');
    expect(local?.status).toBe('warn');
    expect(local?.detail).toContain(
      'is held by com.docker.backend (pid 901) on *:8080: tunnel connect will use another',
    );
  });
  it('says when lsof could not be asked: the bind alone answered, wildcard holders were not checked', async () => {
    const check = localPortCheck({
      platform: 'darwin',
      bind: async () => true,
      lsof: async () => ({ stdout: '', failure: 'lsof timed out' }),
      commandLineOf: async () => undefined,
    });
    expect(await check.isFree('127.0.0.1', 8080)).toBe(true);
    expect(await check.unchecked()).toBe('lsof timed out');
    const report = await runDoctor({
      alias: 'devserver',
      plan: { clusters: [], maps: new Map(), bindAddress: '127.0.0.1' },
      ports: fakePorts({ isPortFree: check.isFree, portsUnchecked: check.unchecked }),
      onResult: () => {},
    });
    const local = report.checks.find((entry) => entry.id === 'local-ports');
    expect(local?.status).toBe('warn');
    expect(local?.detail).toContain(
      'could not ask lsof (lsof timed out): ports held on the wildcard address were not checked',
    );
  });
});

describe('cluster create on a Mac', () => {
  it('refuses -p 5000:… while AirPlay Receiver holds *:5000, and names it', async () => {
    const { check } = mac();
    const devServer = await fakeDevServer({ clusters: [] }).open();
    const request = parseCreateRequest('my-app', { port: ['5000:30080@server:0'], apiHost: undefined });
    const created = checkBeforeCreate({ devServer, request, bindAddress: '127.0.0.1', localPorts: check });
    await expect(created).rejects.toMatchObject({
      code: 'PORT',
      message: expect.stringContaining(
        'port 5000 (-p 5000:30080@server:0) is in use on this machine by ControlCenter (pid 512) on *:5000',
      ),
    });
  });
});
