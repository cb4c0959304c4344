// `tunnel demo`: the narrated walkthrough. A pretend dev server starts in this process, then the real tunnel
// CLI (child processes, with a temporary TUNNEL_HOME and KUBECONFIG) connects to it, shows its status, and
// the forwarded ports are used as a person would (an HTTP request, kubectl). Everything is torn down at the
// end, on failure too: the agent stopped, its ports free again, the temporary directory removed.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readLockRecord } from '../agent/lock.js';
import { demoEnvironment } from '../config/demo-env.js';
import { agentLockPath } from '../config/paths.js';
import type { ForwardStatus, StatusDocument } from '../control/status-document.js';
import { TunnelError } from '../errors.js';
import { isPortFree } from '../local/port-probe.js';
import { DEMO_HOST, type DemoDevServer, startDemoDevServer } from './setup.js';
import { httpGet, runProgram, statusOf, stopDemoAgent, tunnel, tunnelOutput } from './steps.js';

export interface DemoOutput {
  write(text: string): void;
  color: boolean;
}

interface Stage {
  dir: string;
  env: NodeJS.ProcessEnv;
  kubeconfig: string;
  out: DemoOutput;
  dev?: DemoDevServer;
  status?: StatusDocument;
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`.trimEnd())
    .join('\n');

function say(stage: Stage, text: string): void {
  stage.out.write(`${text}\n`);
}

function heading(stage: Stage, step: number, text: string): void {
  const bold = (value: string) => (stage.out.color ? `\x1b[1m${value}\x1b[0m` : value);
  say(stage, `\n${bold(`${step}. ${text}`)}`);
}

function command(stage: Stage, line: string, output: string): void {
  say(stage, `  $ ${line}`);
  if (output.trim() !== '') say(stage, indent(output));
}

function forwards(stage: Stage): ForwardStatus[] {
  return stage.status?.sessions.flatMap((session) => session.clusters.flatMap((c) => c.forwards)) ?? [];
}

async function startServer(stage: Stage): Promise<DemoDevServer> {
  heading(stage, 1, 'A pretend dev server, inside this process');
  const dev = await startDemoDevServer(stage.dir);
  stage.dev = dev;
  const { cluster } = dev;
  const api = cluster.apiPort ? `its Kubernetes API on port ${cluster.apiPort}, ` : '';
  say(
    stage,
    `  An SSH server on 127.0.0.1:${dev.server.port} plays a Linux box running k3d: one cluster, "${cluster.name}",`,
  );
  say(stage, `  with ${api}an app on port ${cluster.servicePort} (NodePort ${cluster.nodePort}).`);
  say(stage, `  tunnel reaches it through a ProxyCommand, as it would a dev server behind a bastion.`);
  if (dev.apiSkipped)
    say(stage, `  (No Kubernetes API in this run: ${dev.apiSkipped}; the kubectl step is skipped.)`);
  say(stage, `  Its host key is in ${dev.knownHostsFile}; the ssh config naming it "${DEMO_HOST}" is`);
  say(stage, `  ${dev.sshConfigFile}. Your ~/.ssh, ~/.kube and tunnel's own state are not touched.`);
  return dev;
}

async function connect(stage: Stage, dev: DemoDevServer): Promise<void> {
  heading(stage, 2, 'Connect: every port of every cluster, and a kube context');
  const args = ['--ssh-config', dev.sshConfigFile, 'connect', DEMO_HOST];
  command(stage, `tunnel ${args.join(' ')}`, await tunnel(args, stage.env));
  stage.status = await statusOf(stage.env, DEMO_HOST);
  const moved = forwards(stage).filter((forward) => forward.remapped?.reason === 'busy');
  for (const forward of moved) {
    say(
      stage,
      `  Port ${forward.remapped!.from} is taken on this machine, so tunnel picked ${forward.localPort} and said so.`,
    );
  }
  say(
    stage,
    '  A background agent now holds these ports and the SSH connection, and reconnects when it drops.',
  );
}

async function status(stage: Stage): Promise<void> {
  heading(stage, 5, 'Status: one row per forward, its health and the traffic you just made');
  command(stage, `tunnel status ${DEMO_HOST}`, await tunnel(['status', DEMO_HOST], stage.env));
}

async function fetchApp(stage: Stage): Promise<void> {
  heading(stage, 3, 'Use it: the app on the dev server answers on localhost');
  const app = forwards(stage).find((forward) => forward.kind === 'service');
  if (!app) throw new Error('the demo cluster has no service forward');
  const reply = await httpGet(app.localAddress, app.localPort);
  command(stage, `curl http://${app.localAddress}:${app.localPort}/`, reply);
}

async function kubectl(stage: Stage): Promise<void> {
  heading(stage, 4, 'kubectl, through the tunnel, with TLS verified');
  const context = stage.status?.sessions[0]?.clusters.find((cluster) => cluster.context)?.context;
  if (!context || stage.dev?.apiSkipped) {
    say(stage, `  Skipped: ${stage.dev?.apiSkipped ?? 'no kube context was written'}.`);
    return;
  }
  // --cache-dir as well as KUBECACHEDIR: kubectl before 1.29 knows only the flag, and ~/.kube is the user's.
  const cache = stage.env.KUBECACHEDIR ?? path.join(stage.dir, 'kube-cache');
  const args = ['--kubeconfig', stage.kubeconfig, '--cache-dir', cache, '--context', context, 'get', 'pods'];
  const result = await runProgram('kubectl', args, stage.env, 30_000);
  if (result.missing) {
    say(stage, `  kubectl is not installed here, so this step is skipped. With kubectl you would run:`);
    say(stage, `  $ kubectl --context ${context} get pods`);
    return;
  }
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  command(stage, `kubectl --context ${context} get pods`, result.stdout);
  say(stage, `  (The context was merged into ${stage.kubeconfig}, the KUBECONFIG of this demo.)`);
}

/** Always runs: disconnect, stop the agent (by pid if it must), close the server, remove the directory. */
async function tearDown(stage: Stage, narrate: boolean): Promise<void> {
  if (narrate) heading(stage, 6, 'Clean up');
  // The pid from status, else from the agent's lock (a failure before status): only ever the demo's agent.
  const pid = stage.status?.agent?.pid ?? readLockRecord(agentLockPath(stage.env))?.pid;
  if (narrate) {
    const result = await tunnelOutput(['disconnect', DEMO_HOST], stage.env);
    command(stage, `tunnel disconnect ${DEMO_HOST}`, result.stdout + result.stderr);
  }
  const stopped = await stopDemoAgent(stage.env, pid);
  const ports = forwards(stage).map((forward) => forward.localPort);
  const stillBusy: number[] = [];
  for (const port of ports) if (!(await isPortFree('127.0.0.1', port))) stillBusy.push(port);
  await stage.dev?.close();
  await fs.rm(stage.dir, { recursive: true, force: true });
  if (!stopped) {
    // Say so rather than "everything was stopped": a leftover agent would re-create the directory.
    throw new TunnelError('AGENT', `the demo could not stop its agent (pid ${pid})`, {
      hint: `Stop it with: kill ${pid}; then remove ${stage.dir} if it came back.`,
    });
  }
  if (!narrate) return;
  const agent = pid === undefined ? 'The agent' : `The agent (pid ${pid})`;
  const free = stillBusy.length === 0 ? 'are free again' : `are still busy: ${stillBusy.join(', ')}`;
  say(stage, `  ${agent} stopped; local ports ${ports.join(', ')} ${free};`);
  say(stage, `  ${stage.dir} removed.`);
}

/**
 * The whole walkthrough. `signal` (Ctrl-C) stops it between steps: the command running then finishes
 * first (see runProgram), so an agent it started is known by its lock when the clean-up looks for it.
 */
export async function runDemo(out: DemoOutput, signal?: AbortSignal): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunnel-demo-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const env = demoEnvironment({
    stateDir: path.join(dir, 'state'),
    kubeconfig,
    kubeCacheDir: path.join(dir, 'kube-cache'),
  });
  const stage: Stage = { dir, env, kubeconfig, out };
  say(stage, 'tunnel demo: the real tunnel against a pretend dev server, start to finish, in a few seconds.');
  let succeeded = false;
  try {
    signal?.throwIfAborted();
    const dev = await startServer(stage);
    const steps = [
      () => connect(stage, dev),
      () => fetchApp(stage),
      () => kubectl(stage),
      () => status(stage),
    ];
    for (const step of steps) {
      signal?.throwIfAborted();
      // A command forked at the very moment of Ctrl-C is still in our process group and gets it too:
      // its failure is the interruption (it had not started anything yet).
      await step().catch((error: unknown) => {
        throw signal?.aborted ? signal.reason : error;
      });
    }
    signal?.throwIfAborted();
    succeeded = true;
  } finally {
    await tearDown(stage, succeeded);
  }
  say(stage, `\nThat was all of it. On your own dev server (an alias from ~/.ssh/config):`);
  say(
    stage,
    `  tunnel doctor <host>     checks ssh, docker, k3d and your local ports, with a hint for each problem`,
  );
  say(stage, `  tunnel connect <host>    forwards every k3d cluster and writes your kube contexts`);
}
