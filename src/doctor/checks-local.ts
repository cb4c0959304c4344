// This machine's half of the doctor: every local port `tunnel connect` would bind is free (or held by our own
// session for this host; when not, who holds it), the Kubernetes API answers through the tunnel, and every
// Service's NodePort is reached by a k3d mapping.
import { describeError, isTunnelError } from '../errors.js';
import { holderText } from '../local/port-check.js';
import { type PortOwner, portOwnerHint } from '../local/port-owner.js';
import type { ForwardSpec } from '../plan/types.js';
import { type CheckDefinition, fail, pass, required, skip, warn } from './outcome.js';
import type { DoctorFacts, DoctorPorts, OwnSession } from './types.js';

/** The agent's session for this host, asked once per doctor run. */
async function ownSession(facts: DoctorFacts, ports: DoctorPorts): Promise<OwnSession | undefined> {
  if (facts.session === undefined) facts.session = (await ports.ownSession(facts.alias)) ?? null;
  return facts.session ?? undefined;
}

function heldByOwnSession(session: OwnSession | undefined, spec: ForwardSpec): boolean {
  const forwards = session?.session.clusters.flatMap((cluster) => cluster.forwards) ?? [];
  return forwards.some(
    (forward) => forward.localPort === spec.localPort && forward.localAddress === spec.localAddress,
  );
}

/** "kubectl port-forward (pid 4242): kubectl port-forward svc/web 8080:80" — the command line names the stale one. */
function ownerText(owner: PortOwner | undefined): string {
  if (!owner) return 'another process (which one could not be told)';
  const named = owner.kind === 'kubectl-port-forward' || owner.kind === 'ssh-forward';
  if (named && owner.commandLine) return `${owner.description}: ${owner.commandLine}`;
  // macOS: a holder of *:P lets our 127.0.0.1:P bind but loses its connections; say where it listens.
  return holderText(owner);
}

function ownerHint(owner: PortOwner | undefined, port: number): string {
  const next = portOwnerHint(owner, port);
  if (owner?.kind === 'kubectl-port-forward') return `A stale kubectl port-forward? ${next}`;
  if (owner?.kind === 'ssh-forward') return `An old ssh -L tunnel? ${next}`;
  return next;
}

interface PortProblem {
  line: string;
  hint: string;
  pinned: boolean;
}

type PortState = { kind: 'free' | 'own' } | { kind: 'held'; problem: PortProblem };

async function checkPort(spec: ForwardSpec, facts: DoctorFacts, ports: DoctorPorts): Promise<PortState> {
  if (await ports.isPortFree(spec.localAddress, spec.localPort)) return { kind: 'free' };
  if (heldByOwnSession(await ownSession(facts, ports), spec)) return { kind: 'own' };
  const owner = await ports.portOwner(spec.localPort, spec.localAddress);
  // As ports.ts decides: a --map pin is never moved, even one to the same number (--map 8080:8080).
  const pinned =
    spec.remapped?.reason === 'pinned' || facts.plan.maps.get(spec.remotePort) === spec.localPort;
  const consequence = pinned
    ? `, and --map ${spec.remotePort}:${spec.localPort} pins it: tunnel connect will fail`
    : ': tunnel connect will use another local port';
  const where = `${spec.localAddress}:${spec.localPort} (${spec.cluster} ${spec.kind})`;
  return {
    kind: 'held',
    problem: {
      line: `${where} is held by ${ownerText(owner)}${consequence}`,
      hint: ownerHint(owner, spec.localPort),
      pinned,
    },
  };
}

/** "free on 127.0.0.1: 16443 8080" — one line per address, ports in plan order. */
function portList(label: string, specs: readonly ForwardSpec[]): string[] {
  const byAddress = new Map<string, number[]>();
  for (const spec of specs)
    byAddress.set(spec.localAddress, [...(byAddress.get(spec.localAddress) ?? []), spec.localPort]);
  return [...byAddress].map(([address, list]) => `${label} on ${address}: ${list.join(' ')}`);
}

const localPorts: CheckDefinition = {
  id: 'local-ports',
  title: 'local ports',
  needs: ['clusters'],
  run: async (facts, ports) => {
    // Port 0: two forwards want one local port; connect picks one for the loser, nothing to test here.
    const specs = required(facts.forwards, 'the forward plan').filter((spec) => spec.localPort !== 0);
    if (specs.length === 0) return skip('no running cluster publishes a port to forward');
    const free: ForwardSpec[] = [];
    const own: ForwardSpec[] = [];
    const problems: PortProblem[] = [];
    for (const spec of specs) {
      const state = await checkPort(spec, facts, ports);
      if (state.kind === 'held') problems.push(state.problem);
      else (state.kind === 'free' ? free : own).push(spec);
    }
    const unchecked = await ports.portsUnchecked?.();
    const lines = [
      ...problems.map((problem) => problem.line),
      ...portList('free', free),
      ...portList(`in use by tunnel's own session for ${facts.alias}`, own),
      ...(unchecked
        ? [`could not ask lsof (${unchecked}): ports held on the wildcard address were not checked`]
        : []),
    ].join('\n');
    if (problems.length === 0 && unchecked)
      return warn(lines, 'See what listens: lsof +c 0 -nP -iTCP -sTCP:LISTEN');
    if (problems.length === 0) return pass(lines);
    const hint = problems.map((problem) => problem.hint).join('\n');
    return problems.some((problem) => problem.pinned) ? fail(lines, hint) : warn(lines, hint);
  },
};

interface Tally {
  lines: string[];
  hints: string[];
  failures: number;
}

/** One probe's line: what it answered, or `failedPrefix` + the error (its hint kept for the check's hint). */
async function tally(into: Tally, probe: () => Promise<string>, failedPrefix: string): Promise<void> {
  try {
    into.lines.push(await probe());
  } catch (error) {
    into.failures++;
    into.lines.push(`${failedPrefix}${describeError(error)}`);
    if (isTunnelError(error) && error.hint) into.hints.push(error.hint);
  }
}

/** Through the session's local API forward, with the kube context it wrote: exactly what kubectl does. */
async function viaSession(own: OwnSession, ports: DoctorPorts): Promise<Tally> {
  const result: Tally = { lines: [], hints: [], failures: 0 };
  const file = own.session.kubeconfig.file;
  for (const cluster of own.session.clusters) {
    const api = cluster.forwards.find((forward) => forward.kind === 'api');
    const context = cluster.context;
    if (!api || !context || !file) continue;
    const address = `${api.localAddress}:${api.localPort}`;
    await tally(
      result,
      async () => {
        const version = await ports.kubeVersionViaContext({ kubeconfigFile: file, context, address });
        return `${cluster.name}: Kubernetes ${version} through ${address} (context ${context})`;
      },
      `${cluster.name}: context ${context} through ${address}: `,
    );
  }
  return result;
}

/** No session (or one without a kube context): the API over an SSH channel, with k3d's own credentials. */
async function viaSsh(facts: DoctorFacts, ports: DoctorPorts): Promise<Tally> {
  const connection = required(facts.devServer, 'the dev server').ssh;
  const k3d = required(facts.k3d, 'k3d');
  const result: Tally = { lines: [], hints: [], failures: 0 };
  for (const cluster of required(facts.clusters, 'the clusters').filter((c) => c.running && c.api)) {
    await tally(
      result,
      async () => {
        const version = await ports.kubeVersionViaSsh(connection, k3d, cluster);
        return `${cluster.name}: Kubernetes ${version} (over SSH, with k3d's kubeconfig)`;
      },
      `${cluster.name}: `,
    );
  }
  return result;
}

/** Without a session the contexts in the file are not tried, but one left carrying an exec plugin (an
 *  older tunnel copied it from the dev server) would run at the next kubectl: fail on it. */
async function flagUnsafeContexts(facts: DoctorFacts, ports: DoctorPorts, into: Tally): Promise<void> {
  const target = facts.kubeconfig;
  if (!target) return;
  const clusters = required(facts.clusters, 'the clusters').filter((cluster) => cluster.api);
  const found = await ports.unsafeContexts(
    target.file,
    clusters.map((cluster) => target.contextFor(cluster.name)),
  );
  for (const { problem, hint } of found) {
    into.failures++;
    into.lines.push(problem);
    into.hints.push(hint);
  }
}

/** Why the kube context itself was not tried, when the API was asked over SSH instead. */
function untriedContext(own: OwnSession | undefined, alias: string): string {
  const why = !own
    ? `no tunnel session for ${alias}`
    : own.session.state !== 'forwarding'
      ? `the session for ${alias} is ${own.session.state}`
      : `the session for ${alias} wrote no kube context`;
  return `${why}, so the kube context was not tried (tunnel connect ${alias}; then tunnel doctor ${alias})`;
}

const kubeApi: CheckDefinition = {
  id: 'kube-api',
  title: 'Kubernetes API',
  needs: ['clusters'],
  run: async (facts, ports) => {
    const own = await ownSession(facts, ports);
    const live = own?.session.state === 'forwarding' ? await viaSession(own, ports) : undefined;
    const usedSession = live !== undefined && live.lines.length > 0;
    const result = usedSession ? live : await viaSsh(facts, ports);
    if (!usedSession) await flagUnsafeContexts(facts, ports, result);
    if (result.lines.length === 0) return skip('no running cluster publishes an API port');
    const note = usedSession ? [] : [untriedContext(own, facts.alias)];
    const detail = [...result.lines, ...note].join('\n');
    if (result.failures > 0) return fail(detail, result.hints.join('\n') || undefined);
    return pass(detail);
  },
};

const nodePorts: CheckDefinition = {
  id: 'nodeports',
  title: 'NodePorts',
  needs: ['kube-api'],
  run: async (facts, ports) => {
    const connection = required(facts.devServer, 'the dev server').ssh;
    const k3d = required(facts.k3d, 'k3d');
    const problems: string[] = [];
    let checked = 0;
    for (const cluster of required(facts.clusters, 'the clusters').filter((c) => c.running && c.api)) {
      const findings = await ports.nodePorts(connection, k3d, cluster);
      checked += findings.checked;
      problems.push(...findings.problems.map((problem) => `${cluster.name}: ${problem}`));
    }
    if (problems.length > 0) {
      return warn(
        problems.join('\n'),
        `See every mapping and Service, and fix them: tunnel nodeports ${facts.alias}`,
      );
    }
    return pass(`${checked} port mapping${checked === 1 ? '' : 's'} and Services line up`);
  },
};

export const LOCAL_CHECKS: readonly CheckDefinition[] = [localPorts, kubeApi, nodePorts];
