// Issue 14's rows: the same pods reached three ways through one `tunnel connect --services all` — a k3d host
// port mapping (the path before issue 14), a k3d node's address on the cluster network (NodePort, no mapping)
// and the API's pod port-forward (ClusterIP, one WebSocket per connection) — for setup time and throughput,
// and the time from a Service being created on the cluster to its local port answering. Unlike the other
// sections this one needs the world daemon (the Services and node addresses are its), so it has a world of its own.
import http from 'node:http';
import { type DevServer, type Scenario, startDevServer } from '../../test/devserver/index.js';
import { type CliEnv, runCli } from '../../test/integration/cli-process.js';
import { MIB, median, quantile, round, sleep } from './lib.js';
import type { Section } from './measures.js';
import { disposeCli, makeCliEnv } from './tunnel-cli.js';

type ServicePath = 'host port' | 'node address' | 'pod port-forward';
const PATHS: ServicePath[] = ['host port', 'node address', 'pod port-forward'];

const SCENARIO = {
  description: 'bench: one pod behind a mapped NodePort, an unmapped NodePort and a ClusterIP Service',
  clusters: [
    {
      name: 'bench',
      servers: 1,
      agents: 1,
      running: true,
      apiPort: 16551,
      ports: [{ hostIp: '', hostPort: 18080, containerPort: 30080, nodeFilter: 'server:0' }],
      services: [
        {
          namespace: 'bench',
          name: 'mapped',
          type: 'NodePort',
          port: 18080,
          nodePort: 30080,
          selector: { app: 'web' },
        },
        {
          namespace: 'bench',
          name: 'node',
          type: 'NodePort',
          port: 18081,
          nodePort: 31081,
          selector: { app: 'web' },
        },
        {
          namespace: 'bench',
          name: 'pod',
          type: 'ClusterIP',
          port: 18082,
          targetPort: 8080,
          selector: { app: 'web' },
        },
      ],
      pods: [
        {
          namespace: 'bench',
          name: 'web-5d9c7b8f6-b3nch',
          labels: { app: 'web' },
          phase: 'Running',
          ready: true,
        },
      ],
    },
  ],
} as unknown as Scenario;

interface ServiceWorld {
  devserver: DevServer;
  cli: CliEnv;
  /** Local port per path, from status --json. */
  port: Record<ServicePath, number>;
  close(): Promise<void>;
}

interface ForwardDoc {
  localPort: number;
  service: { name: string } | null;
}

async function localPorts(cli: CliEnv): Promise<Map<string, number>> {
  const status = await runCli(cli, ['status', 'devserver', '--json']);
  const doc = JSON.parse(status.stdout) as { sessions: { clusters: { forwards: ForwardDoc[] }[] }[] };
  const forwards = doc.sessions.flatMap((s) => s.clusters.flatMap((c) => c.forwards));
  return new Map(forwards.flatMap((f) => (f.service ? [[f.service.name, f.localPort] as const] : [])));
}

async function openServiceWorld(): Promise<ServiceWorld> {
  const devserver = await startDevServer({ scenario: SCENARIO });
  const cli = makeCliEnv();
  const close = async () => {
    await disposeCli(cli);
    await devserver.stop();
  };
  try {
    const args = ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver', '--no-kubeconfig'];
    const connected = await runCli(cli, [...args, '--services', 'all']);
    if (connected.code !== 0) throw new Error(`tunnel connect --services all failed: ${connected.stderr}`);
    const ports = await localPorts(cli);
    const port = (name: string) => {
      const found = ports.get(name);
      if (found === undefined) throw new Error(`no forward for Service bench/${name}: ${connected.stdout}`);
      return found;
    };
    return {
      devserver,
      cli,
      port: { 'host port': port('mapped'), 'node address': port('node'), 'pod port-forward': port('pod') },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One HTTP GET on a new connection: ms to the response head, and the body's size. */
function get(port: number, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ ms, bytes, status: response.statusCode ?? 0 }));
      response.on('error', reject);
    });
    request.setTimeout(30_000, () => request.destroy(new Error(`GET ${path} on ${port}: no answer in 30 s`)));
    request.on('error', reject);
  });
}

async function setupAndThroughput(world: ServiceWorld, options: ServiceSizes) {
  const setup = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<ServicePath, number[]>;
  const speed = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<ServicePath, number[]>;
  for (let i = 0; i < options.connections; i++) {
    for (const p of PATHS) setup[p].push((await get(world.port[p], '/')).ms);
  }
  const bytes = options.mib * MIB;
  for (let run = 0; run < options.runs; run++) {
    for (const p of PATHS) {
      const started = process.hrtime.bigint();
      const result = await get(world.port[p], `/bytes/${bytes}`);
      if (result.bytes !== bytes) throw new Error(`${p}: received ${result.bytes} of ${bytes} bytes`);
      speed[p].push(bytes / MIB / (Number(process.hrtime.bigint() - started) / 1e9));
    }
  }
  return { setup, speed };
}

/**
 * ms from the Service's creation (the simulator writes it and its API sees it: part of addService, ~10–40 ms
 * here) to its local port answering an HTTP GET: the watch event, the re-plan (no k3d run) and the bind.
 */
async function serviceToAnswer(world: ServiceWorld, options: ServiceSizes): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < options.creations; i++) {
    const name = `new-${i}`;
    const port = 19100 + i;
    const started = process.hrtime.bigint();
    await world.devserver.world.addService('bench', {
      namespace: 'bench',
      name,
      type: 'NodePort',
      ports: [{ port }],
      selector: { app: 'web' },
    });
    for (;;) {
      const answered = await get(port, '/').then(
        (result) => result.status === 200,
        () => false,
      );
      if (answered) break;
      if (Number(process.hrtime.bigint() - started) / 1e6 > 60_000) throw new Error(`${name} never answered`);
      await sleep(10);
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    await world.devserver.world.deleteService('bench', 'bench', name);
  }
  return times;
}

export interface ServiceSizes {
  connections: number;
  mib: number;
  runs: number;
  creations: number;
}

/** The services section: setup and throughput per path (ratios against the host port), and Service → answer. */
export async function services(options: ServiceSizes): Promise<Section> {
  const world = await openServiceWorld();
  try {
    const { setup, speed } = await setupAndThroughput(world, options);
    const appear = await serviceToAnswer(world, options);
    const base = (values: Record<ServicePath, number[]>, q: number) => quantile(values['host port'], q);
    const rows: (string | number)[][] = PATHS.map((p) => [
      p,
      round(quantile(setup[p], 0.5), 2),
      round(quantile(setup[p], 0.99), 2),
      round(median(speed[p])),
      round(quantile(setup[p], 0.5) / base(setup, 0.5), 2),
      round(median(speed[p]) / median(speed['host port']), 2),
    ]);
    rows.push([
      'Service created → local port answers',
      `p50 ${round(median(appear), 0)} ms`,
      `max ${round(Math.max(...appear), 0)} ms`,
      `${options.creations} Services`,
      '',
      '',
    ]);
    return {
      id: 'services',
      title: `Services without mappings: the same pod through a host port, a node address and a pod port-forward (${options.connections} new connections, ${options.mib} MiB × ${options.runs} runs, HTTP GET)`,
      params: { ...options },
      columns: [
        'path',
        'setup p50 ms',
        'setup p99 ms',
        'down MiB/s',
        'setup ratio vs host port',
        'down ratio vs host port',
      ],
      rows,
      data: { setupMs: setup, speedMiBps: speed, serviceToAnswerMs: appear },
    };
  } finally {
    await world.close();
  }
}
