// The `k3d` stand-in (answers as k3d v5.9.0 does) for the simulated dev server. Reads $HOME/.sim/world.json;
// run as `node k3d.mjs ARGS…` through the ~/.local/bin/k3d wrapper. New verbs (cluster create/delete, image
// import) replace a `leaf(…)` placeholder in COMMANDS with a handler of the same shape; one that changes the
// world builds clusters with createCluster(), saves with writeWorld() and calls notifyDaemon() (world.mjs) so
// the listeners follow.
import fs from 'node:fs';
import os from 'node:os';
import { commandPath, helpString, parse, usageString } from './cobra.mjs';
import { createLogger } from './go-format.mjs';
import { CREATE_FLAGS, clusterCreate, clusterDelete, DELETE_FLAGS } from './k3d-cluster.mjs';
import { IMAGE_IMPORT } from './k3d-image.mjs';
import { renderClusterList, renderKubeconfig, renderNodeList } from './k3d-render.mjs';
import { logRuntimeInfo } from './k3d-runtime.mjs';
import { DEFAULT_VERSIONS, engineSeenBy, k3dDockerApi, readWorld, worldFile } from './world.mjs';

const NO_NODES = 'No nodes found for given cluster';

function loadWorld() {
  const file = worldFile(process.env.HOME ?? os.homedir());
  if (!fs.existsSync(file)) return { versions: DEFAULT_VERSIONS, engine: { running: true }, clusters: [] };
  const world = readWorld(file);
  // DOCKER_HOST decides which engine this process reaches, as with the real CLI; k3d's vendored docker
  // client speaks the API of its release, which a newer daemon may refuse.
  return {
    ...world,
    engine: engineSeenBy(world, process.env, { clientApi: k3dDockerApi(world.versions.k3d) }),
  };
}

/** `docker ps` through k3d's runtime: fails like k3d does when the engine is down. */
function engineCheck(context, labels = 'map[app:k3d]') {
  if (context.world.engine?.running === false) {
    return context.log.fatal(
      `runtime failed to list nodes: docker failed to get containers with labels '${labels}': failed to list containers: ${context.world.engine.error}`,
    );
  }
  return undefined;
}

/** ClusterGet for each name; undefined (after FATA) when one does not exist, as k3d exits on the first miss. */
function namedClusters(context) {
  const found = [];
  for (const name of context.args) {
    const cluster = context.world.clusters.find((candidate) => candidate.name === name);
    if (context.world.engine?.running === false) {
      // ClusterGet only logs the runtime error, then finds no nodes.
      const labels = `map[k3d.cluster:${name}]`;
      context.log.error(
        `Failed to get nodes for cluster '${name}': docker failed to get containers with labels '${labels}': failed to list containers: ${context.world.engine.error}`,
      );
    }
    if (!cluster || context.world.engine?.running === false) {
      context.log.fatal(NO_NODES);
      return undefined;
    }
    found.push(cluster);
  }
  return found;
}

function version({ flags, world, print }) {
  const { k3d, k3s } = world.versions;
  if ((flags.output ?? '').toLowerCase() === 'json') print(`${JSON.stringify({ k3d, k3s })}\n`);
  else print(`k3d version ${k3d}\nk3s version ${k3s} (default)\n`);
  return 0;
}

function clusterList(context) {
  const { args, flags, world, print } = context;
  const failed = args.length === 0 ? engineCheck(context) : undefined;
  if (failed !== undefined) return failed;
  // ClusterList's Debugf (the nodes of every cluster; named clusters go through ClusterGet instead).
  if (args.length === 0) context.log.debug(`Found ${world.clusters.flatMap((c) => c.nodes).length} nodes`);
  const clusters = args.length === 0 ? world.clusters : namedClusters(context);
  if (!clusters) return 1;
  if ((flags.output ?? '').toLowerCase() === 'yaml')
    return context.log.fatal('[simulator] -o yaml is not simulated');
  const options = {
    output: flags.output ?? '',
    noHeaders: Boolean(flags['no-headers']),
    token: Boolean(flags.token),
  };
  print(renderClusterList(clusters, { ...options, detailed: args.length > 0 }));
  return 0;
}

function kubeconfigGet(context) {
  const { args, flags, world, print } = context;
  if ((args.length < 1 && !flags.all) || (args.length > 0 && flags.all)) {
    return context.usageError('Need to specify one or more cluster names *or* set `--all` flag');
  }
  const failed = flags.all ? engineCheck(context) : undefined;
  if (failed !== undefined) return failed;
  const clusters = flags.all ? world.clusters : namedClusters(context);
  if (!clusters) return 1;
  for (const cluster of clusters) print(`---\n${renderKubeconfig(cluster)}`);
  return 0;
}

function nodeList(context) {
  const { args, flags, world, print } = context;
  const failed = engineCheck(context);
  if (failed !== undefined) return failed;
  let clusters = world.clusters;
  if (args.length > 0) {
    const missing = args.find(
      (name) => !clusters.some((cluster) => cluster.nodes.some((node) => node.name === name)),
    );
    // Wording guessed: k3d's NodeGet error for a name no container has.
    if (missing) return context.log.fatal(`Failed to get node '${missing}': No nodes found for given node`);
    clusters = clusters.map((cluster) => ({
      ...cluster,
      nodes: cluster.nodes.filter((node) => args.includes(node.name)),
    }));
  }
  print(renderNodeList(clusters, { output: flags.output ?? '', noHeaders: Boolean(flags['no-headers']) }));
  return 0;
}

const showHelp = ({ chain, print }) => {
  print(helpString(chain));
  return 0;
};
const notSimulated = ({ chain, log }) =>
  log.fatal(`[simulator] '${commandPath(chain)}' is not simulated yet`);
const output = { name: 'output', short: 'o', type: 'string', usage: 'Output format. One of: json|yaml' };
const noHeaders = { name: 'no-headers', type: 'bool', usage: 'Disable headers' };
const leaf = (name, short, extra = {}) => ({ name, short, run: notSimulated, ...extra });
const group = (name, short, children) => ({
  name,
  short,
  run: showHelp,
  children: Object.fromEntries(children.map((child) => [child.name, child])),
});

const COMMANDS = group('k3d', 'https://k3d.io/ -> Run k3s in Docker!', [
  group('cluster', 'Manage cluster(s)', [
    leaf('create', 'Create a new cluster', { use: 'NAME', run: clusterCreate, flags: CREATE_FLAGS }),
    leaf('delete', 'Delete cluster(s).', {
      aliases: ['del', 'rm'],
      use: '[NAME [NAME ...] | --all]',
      run: clusterDelete,
      flags: DELETE_FLAGS,
    }),
    leaf('edit', '[EXPERIMENTAL] Edit cluster(s).', { use: 'CLUSTER' }),
    leaf('list', 'List cluster(s)', {
      aliases: ['ls', 'get'],
      use: '[NAME [NAME...]]',
      run: clusterList,
      flags: [noHeaders, output, { name: 'token', type: 'bool', usage: 'Print k3s cluster token' }],
    }),
    leaf('start', 'Start existing k3d cluster(s)', { use: '[NAME [NAME...] | --all]' }),
    leaf('stop', 'Stop existing k3d cluster(s)', { use: '[NAME [NAME...] | --all]' }),
  ]),
  leaf('completion', 'Generate completion scripts for [bash, zsh, fish, powershell | psh]', { use: 'SHELL' }),
  group('config', 'Work with config file(s)', [leaf('init', ''), leaf('migrate', '')]),
  group('image', 'Handle container images.', [
    leaf('import', 'Import image(s) from docker into k3d cluster(s).', {
      aliases: ['load'],
      use: '[IMAGE | ARCHIVE [IMAGE | ARCHIVE...]]',
      ...IMAGE_IMPORT,
    }),
  ]),
  group('kubeconfig', 'Manage kubeconfig(s)', [
    leaf('get', 'Print kubeconfig(s) from cluster(s).', {
      aliases: ['print', 'show'],
      use: '[CLUSTER [CLUSTER [...]] | --all]',
      run: kubeconfigGet,
      flags: [
        { name: 'all', short: 'a', type: 'bool', usage: 'Output kubeconfigs from all existing clusters' },
      ],
    }),
    leaf('merge', 'Write/Merge kubeconfig(s) from cluster(s) into new or existing kubeconfig/file.', {
      aliases: ['write'],
    }),
  ]),
  group('node', 'Manage node(s)', [
    leaf('list', 'List node(s)', {
      aliases: ['ls', 'get'],
      use: '[NODE [NODE...]]',
      run: nodeList,
      flags: [noHeaders, output],
    }),
  ]),
  group('registry', 'Manage registry/registries', [
    leaf('list', 'List registries', { aliases: ['ls', 'get'] }),
  ]),
  leaf('version', 'Show k3d and default k3s version', { run: version, flags: [output] }),
]);
COMMANDS.long = `https://k3d.io/
k3d is a wrapper CLI that helps you to easily create k3s clusters inside docker.
Nodes of a k3d cluster are docker containers running a k3s image.
All Nodes of a k3d cluster are part of the same docker network.`;
COMMANDS.flags = [{ name: 'version', type: 'bool', usage: 'Show k3d and default k3s version' }];
COMMANDS.run = (context) => {
  if (context.flags.version) return version(context);
  // cmd.Usage() writes to stderr; the exit code stays 0.
  context.printError(usageString(context.chain));
  return 0;
};

function main(argv) {
  const print = (text) => process.stdout.write(text);
  const printError = (text) => process.stderr.write(text);
  const parsed = parse(COMMANDS, argv);
  const log = createLogger({
    write: (stream, text) => (stream === 'stdout' ? print(text) : printError(text)),
    verbosity: parsed.flags?.trace ? 'trace' : parsed.flags?.verbose ? 'debug' : undefined,
  });
  if (parsed.error) {
    // cobra prints its error (and, for flag errors, the usage) before k3d logs the same error as FATA.
    const path = commandPath(parsed.chain);
    printError(`Error: ${parsed.error}\n`);
    printError(
      parsed.kind === 'flag' ? `${usageString(parsed.chain)}\n` : `Run '${path} --help' for usage.\n`,
    );
    return log.fatal(parsed.error);
  }
  const context = {
    ...parsed,
    world: loadWorld(),
    print,
    printError,
    log,
    usageError: (message) => {
      printError(`Error: ${message}\n${usageString(parsed.chain)}\n`);
      return log.fatal(message);
    },
  };
  if (parsed.flags.help) return showHelp(context);
  // cobra.OnInitialize(initLogging, initRuntime): every command asks the engine for its info first.
  logRuntimeInfo(log, context.world);
  const code = parsed.chain.at(-1).run(context);
  // Fault: the whole answer printed, then exit 1 with nothing on stderr (a crash after printing).
  const failing = context.world.faults?.k3dFailsAfterOutput ?? [];
  if (code === 0 && failing.includes(commandPath(parsed.chain).replace(/^k3d /, ''))) return 1;
  return code;
}

process.exitCode = main(process.argv.slice(2));
