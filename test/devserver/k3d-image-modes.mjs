// How `k3d image import` behaves by k3d release (pkg/client/tools.go ImageImportIntoClusterMulti,
// pkg/runtimes/docker/node.go execInNode) and its two other ways to fail, for k3d-image.mjs:
//   - v5.2.0–v5.3.x default to --mode auto, which streams to every node directly (importWithStream) unless
//     the engine is remote; k3d commit 7b1b416c went back to tools-node "because direct mode failed fairly
//     often". A node's failure there is returned, not logged: ERRO + WARN and exit 1, the others imported.
//   - v5.0–v5.4.6 lose ctr's output (execInNode reads the logs into a shadowed err; k3d PR #1172).
//   - before v5.4.8 ctr runs without --all-platforms, so the #1538 digest noise cannot happen.
//     That holds when ctr failed after reading the whole stream; a node failing mid-stream closes its pipe,
//     io.MultiWriter stops, the other nodes' ctr wait on stdin and k3d never exits (not simulated: tunnel's
//     timeout for it is unit-tested in test/unit/image/k3d-import.test.ts).
//   - the tools node cannot be created: rootless Podman when k3d runs without DOCKER_SOCK (k3d #84, #1052):
//     it bind-mounts DOCKER_SOCK's default /var/run/docker.sock, which does not exist; nothing is imported,
//     exit 1. `cluster create` needs the tools node too, so the import ran in another environment.
// A cycle with k3d-image.mjs, used only at call time (function declarations are ready by then).
import { importIntoNode, readArchive } from './k3d-image.mjs';
import { dockerOrder } from './k3d-render.mjs';
import { recordImages } from './node-images.mjs';

/** 'v5.4.6' → [5, 4, 6]; anything unreadable counts as the newest (v5.9.0's behaviour). */
function versionOf(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(text ?? ''));
  return match ? match.slice(1).map(Number) : [99, 0, 0];
}

const before = (version, limit) => {
  for (let i = 0; i < 3; i++) if (version[i] !== limit[i]) return version[i] < limit[i];
  return false;
};

/** The mode asked for (or the release's default), what it resolves to, and the release's quirks. */
export function k3dBehaviour(world, flag) {
  const version = versionOf(world.versions?.k3d);
  const autoDefault = !before(version, [5, 2, 0]) && before(version, [5, 4, 0]);
  const requested = flag ?? (autoDefault ? 'auto' : 'tools-node');
  // runtime.GetHost(): empty for a unix socket, the host name for tcp:// or ssh://.
  const remote = /^(tcp|ssh):\/\//.test(world.engine?.host ?? '');
  const mode = requested === 'direct' || (requested === 'auto' && !remote) ? 'direct' : 'tools-node';
  return {
    requested,
    mode,
    remote,
    hidesCtrOutput: !before(version, [5, 0, 0]) && before(version, [5, 4, 7]),
    allPlatforms: !before(version, [5, 4, 8]),
  };
}

/** cmd/image/imageImport.go: the cluster's error, the summary WARN, exit 1. */
function clusterFailed(context, cluster, message) {
  context.log.error(`Failed to import image(s) into cluster '${cluster.name}': ${message}`);
  context.log.warn(
    'At least one error occured while trying to import the image(s) into the selected cluster(s)',
  );
  return 1;
}

export function toolsNodeFailure(context, cluster) {
  const tools = `k3d-${cluster.name}-tools`;
  context.log.error(`Failed to run tools container for cluster '${cluster.name}'`);
  const why =
    `failed to ensure that tools node is running: failed to run k3d-tools node for cluster '${cluster.name}': ` +
    `failed to create node '${tools}': runtime failed to create node '${tools}': failed to create container for node '${tools}': ` +
    `docker failed to create container '${tools}': Error response from daemon: statfs /var/run/docker.sock: no such file or directory`;
  return clusterFailed(context, cluster, why);
}

/** importWithStream for tar files: one `ctr image import -` per node fed from one multiplexed stream. */
export function importWithStream(context, cluster, files, behaviour) {
  const { log, args } = context;
  if (behaviour.requested === 'auto' && behaviour.remote) {
    log.info('Auto-detected a remote docker daemon, using tools node for loading images');
  }
  log.info(`Importing images from ${files.length} tarball(s)...`);
  const nodes = dockerOrder(cluster.nodes).filter((node) => node.role === 'server' || node.role === 'agent');
  const updates = [];
  for (const file of files) {
    const archives = [readArchive(file)];
    let firstError;
    for (const node of nodes) {
      log.info(`Importing images '[${file}]' into node '${node.name}'...`);
      const outcome = importIntoNode(cluster, node, archives, behaviour);
      firstError ??= outcome.error?.replace(/\n$/, '');
      if (outcome.images.length > 0 && !outcome.error)
        updates.push({ nodeName: node.name, images: outcome.images });
    }
    if (updates.length > 0) recordImages(updates.splice(0));
    if (firstError) {
      return clusterFailed(
        context,
        cluster,
        `could not load image to cluster from stream ${file}: error loading image to cluster, first error: ${firstError}`,
      );
    }
  }
  log.info('Successfully imported image(s)');
  log.info(`Successfully imported ${args.length} image(s) into 1 cluster(s)`);
  return 0;
}
