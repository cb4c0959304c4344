// `k3d cluster create` and `k3d cluster delete` of the k3d stand-in, as k3d v5.9 prints them
// (docs/reference/k3d.md §4.2-§4.4; cmd/cluster/clusterCreate.go, clusterDelete.go, pkg/client/cluster.go): INFO lines in
// order, a host port docker cannot bind (another cluster's: "port is already allocated"; any other listener:
// "address already in use") failing the start of the node that publishes it, then k3d's rollback. The world
// changes like docker's would, and the handlers return only once the listeners followed (as containers have
// started or gone when k3d returns). They finish asynchronously: main() assigns their return value to
// process.exitCode first, so they return undefined and set process.exitCode themselves at the end.
import os from 'node:os';
import { hex } from './cluster-build.mjs';
import { createSpec, nameError } from './k3d-cluster-args.mjs';
import { bindFailure, freePort, waitForListeners } from './k3d-cluster-ports.mjs';
import { createCluster, notifyDaemon, worldFile, writeWorld } from './world.mjs';

export { CREATE_FLAGS, DELETE_FLAGS } from './k3d-cluster-args.mjs';

const STEP_MS = 15;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const home = () => process.env.HOME ?? os.homedir();

/** Runs an async handler to its end and records its exit code (see the file comment). */
function finishing(work) {
  return (context) => {
    work(context).then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        process.stderr.write(`[simulator] ${error.stack ?? error}\n`);
        process.exitCode = 2;
      },
    );
    return undefined;
  };
}

async function rollBack(log, name) {
  log.error('Failed to create cluster >>> Rolling Back');
  log.info(`Deleting cluster '${name}'`);
  await sleep(STEP_MS);
  log.info(`Deleting cluster network 'k3d-${name}'`);
  log.info('Deleting 1 attached volumes...');
  return log.fatal('Cluster creation FAILED, all changes have been rolled back!');
}

async function startNodes(context, cluster, nodes, failure) {
  for (const node of nodes) {
    context.log.info(`Starting node '${node.name}'`);
    await sleep(STEP_MS);
    const problem = await bindFailure(context.world, node);
    if (problem) {
      const docker = `docker failed to start container for node '${node.name}': Error response from daemon: driver failed programming external connectivity on endpoint ${node.name} (${hex(32)}): ${problem}`;
      context.log.error(
        `Failed Cluster Start: ${failure(node)}: runtime failed to start node '${node.name}': ${docker}`,
      );
      return rollBack(context.log, cluster.name);
    }
  }
  return undefined;
}

async function create(context) {
  const { args, flags, log, world } = context;
  if (args.length > 1) return context.usageError(`accepts between 0 and 1 arg(s), received ${args.length}`);
  const name = args[0] ?? 'k3s-default';
  const parsed = createSpec(name, flags);
  if (parsed.usage) return context.usageError(parsed.usage);
  if (parsed.simulator) return log.fatal(`[simulator] ${parsed.simulator}`);
  if (parsed.fatal) return log.fatal(parsed.fatal);
  for (const info of parsed.infos) log.info(info);
  const invalid = nameError(name);
  // logrus Fatalln("…: ", err) puts a space between its operands: hence the two spaces.
  if (invalid) return log.fatal(`Failed Cluster Configuration Validation:  ${invalid}`);
  if (world.clusters.some((cluster) => cluster.name === name) && world.engine?.running !== false) {
    return log.fatal(`Failed to create cluster '${name}' because a cluster with that name already exists`);
  }
  log.info('Prep: Network');
  if (world.engine?.running === false) {
    // Wording after the first colon guessed from pkg/client/cluster.go's error chain.
    log.error(
      `Failed Cluster Preparation: Failed Network Preparation: failed to create cluster network: docker failed to list networks: ${world.engine.error}`,
    );
    log.error('Failed to create cluster >>> Rolling Back');
    log.info(`Deleting cluster '${name}'`);
    log.error(`failed to get cluster '${name}': ${world.engine.error}`);
    return log.fatal('Cluster creation FAILED, also FAILED to rollback changes!');
  }
  const spec = { ...parsed.spec, apiPort: parsed.spec.apiPort ?? (await freePort()) };
  const cluster = createCluster(spec, {
    networkIndex: world.networkSeq ?? world.clusters.length + 2,
    versions: world.versions,
    takenPrefixes: world.clusters.map((other) => other.network.prefix),
  });
  return await run(context, cluster);
}

async function run(context, cluster) {
  const { log, world } = context;
  const name = cluster.name;
  const byRole = (role) => cluster.nodes.filter((node) => node.role === role);
  log.info(`Created network 'k3d-${name}'`);
  log.info(`Created image volume k3d-${name}-images`);
  log.info('Starting new tools node...');
  log.info(`Starting node 'k3d-${name}-tools'`);
  await sleep(STEP_MS);
  for (const node of [...byRole('server'), ...byRole('agent')]) log.info(`Creating node '${node.name}'`);
  for (const node of byRole('loadbalancer')) log.info(`Creating LoadBalancer '${node.name}'`);
  log.info('Using the k3d-tools node to gather environment information');
  log.info(`HostIP: using network gateway ${cluster.network.gateway} address`);
  log.info(`Starting cluster '${name}'`);
  log.info('Starting servers...');
  const stages = [
    [byRole('server'), (node) => `Failed to start server ${node.name}`],
    [byRole('agent'), () => 'Failed to start agents'],
    [byRole('loadbalancer'), () => 'Failed to add one or more helper nodes'],
  ];
  for (const [index, [nodes, failure]] of stages.entries()) {
    if (index === 1 && nodes.length > 0) log.info('Starting agents...');
    if (index === 2) log.info('Starting helpers...');
    const failed = await startNodes(context, cluster, nodes, failure);
    if (failed !== undefined) return failed;
  }
  const members = cluster.nodes.length;
  log.info(
    `Injecting records for hostAliases (incl. host.k3d.internal) and for ${members} network members into CoreDNS configmap...`,
  );
  world.clusters.push(cluster);
  world.networkSeq = (world.networkSeq ?? 2) + 1;
  writeWorld(worldFile(home()), world);
  notifyDaemon(home());
  await waitForListeners(cluster, true);
  log.info(`Cluster '${name}' created successfully!`);
  return finishKubeconfig(context, name);
}

/** The kubeconfig epilogue of clusterCreate.go for the two --kubeconfig-* flags. */
function finishKubeconfig(context, name) {
  const update = context.flags['kubeconfig-update-default'] !== false;
  let switchContext = context.flags['kubeconfig-switch-context'] !== false;
  if (!update && switchContext) {
    context.log.info('--kubeconfig-update-default=false --> sets --kubeconfig-switch-context=false');
    switchContext = false;
  }
  context.log.info('You can now use it like this:');
  if (update && !switchContext) context.print(`kubectl config use-context k3d-${name}\n`);
  else if (!switchContext) context.print(`export KUBECONFIG=$(k3d kubeconfig write ${name})\n`);
  context.print('kubectl cluster-info\n');
  return 0;
}

async function remove(context) {
  const { args, flags, log, world } = context;
  if (flags.all) log.info('Deleting all clusters...');
  const names = flags.all
    ? world.clusters.map((cluster) => cluster.name)
    : args.length > 0
      ? args
      : ['k3s-default'];
  const found = [];
  for (const name of names) {
    const cluster = world.clusters.find((candidate) => candidate.name === name);
    if (world.engine?.running === false) {
      // ClusterGet only logs the runtime error, then finds no nodes: k3d says there is nothing to delete.
      log.error(
        `Failed to get nodes for cluster '${name}': docker failed to get containers with labels 'map[k3d.cluster:${name}]': failed to list containers: ${world.engine.error}`,
      );
    }
    if (!cluster || world.engine?.running === false) {
      if (!flags.all) log.info(`No nodes found for cluster '${name}', nothing to delete.`);
      continue;
    }
    found.push(cluster);
  }
  if (found.length === 0) {
    log.info('No clusters found');
    return 0;
  }
  for (const cluster of found) {
    log.info(`Deleting cluster '${cluster.name}'`);
    await sleep(STEP_MS);
    world.clusters = world.clusters.filter((candidate) => candidate !== cluster);
    writeWorld(worldFile(home()), world);
    notifyDaemon(home());
    await waitForListeners(cluster, false);
    log.info(`Deleting cluster network 'k3d-${cluster.name}'`);
    log.info('Deleting 1 attached volumes...');
    log.info('Removing cluster details from default kubeconfig...');
    log.info('Removing standalone kubeconfig file (if there is one)...');
    log.info(`Successfully deleted cluster ${cluster.name}!`);
  }
  return 0;
}

export const clusterCreate = finishing(create);
export const clusterDelete = finishing(remove);
