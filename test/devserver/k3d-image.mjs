// `k3d image import` for the k3d stand-in, as k3d v5.9.0 does it for a tar file (cmd/image/imageImport.go,
// pkg/client/tools.go importWithToolsNode; docs/reference/k3d.md §4.5): tools node, the tarball copied to
// the image volume, `ctr image import --all-platforms` in every server/agent node, whose failures are only
// logged (ERRO) while k3d still says "Successfully imported" and exits 0.
//
// Scenario control, per cluster (`imageImport` in the scenario, kept at world.json clusters[].spec), node
// names or suffixes like "agent-0":
//   digestNoise       ctr prints "content digest sha256:…: not found" (k3d issue #1538); the image is still
//                     recorded and the CRI lists it, so the ERRO is harmless
//   silentlyMissing   the node does not get the image and nothing is printed (the false success)
//   failing           ctr fails for another reason (no space left on device): a real ERRO, image missing
//   directImportFails (docker.mjs) a later `docker exec -i <node> ctr images import -` fails as well
//   toolsNodeFails    the tools node cannot be created (rootless Podman, k3d run without DOCKER_SOCK):
//                     ERRO, WARN, exit 1, no node imported (k3d-image-modes.mjs)
//   cleanupFails      removing the tools node fails after a good import: an ERRO, exit 0
//   streamFails       direct mode only: ctr in that node fails after reading the whole stream, the others
//                     import (k3d-image-modes.mjs)
// By world.versions.k3d, as the real releases: v5.2.0–v5.3.x default to --mode auto (direct for a local
// engine); v5.0–v5.4.6 drop ctr's output from the ERRO (execInNode's shadowed err, fixed by k3d PR #1172);
// before v5.4.8 there is no --all-platforms, so no digest noise.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importWithStream, k3dBehaviour, toolsNodeFailure } from './k3d-image-modes.mjs';
import { dockerOrder } from './k3d-render.mjs';
import { flagged, readImageArchive, recordImages } from './node-images.mjs';
import { dockerDownMessage } from './world.mjs';

const MODES = ['auto', 'direct', 'tools-node'];
const DOCKER_DOWN = dockerDownMessage();
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Go's time.Now().Format("20060102150405"), local time. */
function goStamp(date = new Date()) {
  const two = (value) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** The archives among the arguments (k3d: a file always wins); the rest are looked up in docker's images. */
function findArchives(context) {
  const archives = [];
  for (const argument of context.args) {
    const file = path.resolve(argument);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) archives.push(file);
    // The dev server's own docker has no images the simulator knows of.
    else context.log.warn(`Image '${argument}' is not a file and couldn't be found in the container runtime`);
  }
  return archives;
}

/** ctr's output for one node, and which images end up in it. */
export function importIntoNode(cluster, node, archives, behaviour) {
  const faults = cluster.spec?.imageImport ?? {};
  const images = archives.flatMap((archive) => archive.images);
  const first = images[0];
  const unpacking = first ? `unpacking ${first.name} (${first.manifestDigest})...` : '';
  const failedExec = `Exec process in node '${node.name}' failed with exit code '1'`;
  // v5.0–v5.4.6: the logs are read into a shadowed err, so only the exit code reaches the ERRO.
  const withLogs = (logs) =>
    behaviour.hidesCtrOutput ? failedExec : `${failedExec}: Logs from failed access process:\n${logs}`;
  const unreadable = archives.find((archive) => archive.error);
  if (unreadable) {
    return {
      images: [],
      error: `failed to import images in node '${node.name}': ${withLogs(`${unreadable.error}\n`)}`,
    };
  }
  if (!cluster.running) {
    // Wording of docker's answer for a stopped container; k3d wraps it like any exec failure.
    return {
      images: [],
      error: `failed to import images in node '${node.name}': docker failed to exec in node '${node.name}': Error response from daemon: container ${node.id} is not running`,
    };
  }
  if (flagged(faults.failing, node)) {
    const blob = `sha256:${sha256(`${node.name}/layer`)}`;
    const why = `ctr: failed to ingest "blobs/${blob.replace(':', '/')}": failed to copy: write /var/lib/rancher/k3s/agent/containerd/io.containerd.content.v1.content/ingest/${sha256(node.id)}/data: no space left on device`;
    return {
      images: [],
      error: `failed to import images in node '${node.name}': ${withLogs(`${unpacking}${why}\n`)}`,
    };
  }
  if (flagged(faults.silentlyMissing, node)) return { images: [], error: undefined };
  if (flagged(faults.streamFails, node) && behaviour.mode === 'direct') {
    // ctr reading the multiplexed stream: k3d never half-closes it, the import fails mid-way.
    const why = 'ctr: unexpected EOF';
    return {
      images: [],
      error: `failed to import images in node '${node.name}': ${withLogs(`${unpacking}${why}\n`)}`,
    };
  }
  if (flagged(faults.digestNoise, node) && behaviour.allPlatforms) {
    const missing = `sha256:${sha256(`${node.name}/attestation`)}`;
    const why = `ctr: content digest ${missing}: not found`;
    return {
      images,
      error: `failed to import images in node '${node.name}': ${withLogs(`${unpacking}${why}\n`)}`,
    };
  }
  return { images, error: undefined };
}

export function imageImport(context) {
  const { args, flags, world, log } = context;
  if (args.length < 1) return context.usageError(`requires at least 1 arg(s), only received ${args.length}`);
  const behaviour = k3dBehaviour(world, flags.mode);
  if (!MODES.includes(behaviour.requested)) {
    return log.fatal(`Unknown image loading mode '${behaviour.requested}'\n`);
  }
  const name = flags.cluster ?? 'k3s-default';
  if (world.engine?.running === false) {
    log.error(
      `Failed to get nodes for cluster '${name}': docker failed to get containers with labels 'map[k3d.cluster:${name}]': failed to list containers: ${DOCKER_DOWN}`,
    );
    return log.fatal(`failed to get cluster ${name}: No nodes found for given cluster`);
  }
  const cluster = world.clusters.find((candidate) => candidate.name === name);
  if (!cluster) return log.fatal(`failed to get cluster ${name}: No nodes found for given cluster`);
  log.info(`Importing image(s) into cluster '${name}'`);
  const files = findArchives(context);
  if (files.length === 0) {
    log.error(`Failed to import image(s) into cluster '${name}': no valid images specified`);
    log.warn('At least one error occured while trying to import the image(s) into the selected cluster(s)');
    return 1;
  }
  if (behaviour.mode === 'direct') return importWithStream(context, cluster, files, behaviour);
  return importWithToolsNode(context, cluster, files, behaviour);
}

function importWithToolsNode(context, cluster, files, behaviour) {
  const { log, args } = context;
  log.info('Starting new tools node...');
  if (cluster.spec?.imageImport?.toolsNodeFails) return toolsNodeFailure(context, cluster);
  log.info(`Starting node 'k3d-${cluster.name}-tools'`);
  log.info(`Saving ${files.length} tarball(s) to shared image volume...`);
  const stamp = goStamp();
  const archives = files.map((file) => ({
    tarName: `/k3d/images/k3d-${cluster.name}-images-${stamp}-file-${path.basename(file)}`,
    ...readArchive(file),
  }));
  log.info('Importing images into nodes...');
  const nodes = dockerOrder(cluster.nodes).filter((node) => node.role === 'server' || node.role === 'agent');
  for (const archive of archives) {
    for (const node of nodes)
      log.info(`Importing images from tarball '${archive.tarName}' into node '${node.name}'...`);
  }
  const updates = [];
  for (const node of nodes) {
    const outcome = importIntoNode(cluster, node, archives, behaviour);
    if (outcome.error) log.error(outcome.error);
    if (outcome.images.length > 0) updates.push({ nodeName: node.name, images: outcome.images });
  }
  if (updates.length > 0) recordImages(updates);
  log.info('Removing the tarball(s) from image volume...');
  log.info('Removing k3d-tools node...');
  if (cluster.spec?.imageImport?.cleanupFails) {
    // Only logged: the import itself worked and k3d still exits 0.
    log.error(
      `failed to delete tools node 'k3d-${cluster.name}-tools' (try to delete it manually): Error response from daemon: removal of container k3d-${cluster.name}-tools is already in progress`,
    );
  }
  log.info('Successfully imported image(s)');
  log.info(`Successfully imported ${args.length} image(s) into 1 cluster(s)`);
  return 0;
}

/** The images in one archive; one ctr cannot read imports nothing, and every node says so. */
export function readArchive(file) {
  try {
    return { images: readImageArchive(fs.readFileSync(file)), error: undefined };
  } catch (error) {
    return { images: [], error: error.message };
  }
}

/** The `image import` leaf of k3d.mjs's command tree: help text and flags as k3d v5.9.0 defines them. */
export const IMAGE_IMPORT = {
  long: `Import image(s) from docker into k3d cluster(s).

If an IMAGE starts with the prefix 'docker.io/', then this prefix is stripped internally.
That is, 'docker.io/k3d-io/k3d-tools:latest' is treated as 'k3d-io/k3d-tools:latest'.

If an IMAGE starts with the prefix 'library/' (or 'docker.io/library/'), then this prefix is stripped internally.
That is, 'library/busybox:latest' (or 'docker.io/library/busybox:latest') are treated as 'busybox:latest'.

If an IMAGE does not have a version tag, then ':latest' is assumed.
That is, 'k3d-io/k3d-tools' is treated as 'k3d-io/k3d-tools:latest'.

A file ARCHIVE always takes precedence.
So if a file './k3d-io/k3d-tools' exists, k3d will try to import it instead of the IMAGE of the same name.`,
  run: imageImport,
  // k3d's --cluster is a stringArray; cobra.mjs knows single strings, so a repeated -c keeps the last one.
  flags: [
    {
      name: 'cluster',
      short: 'c',
      type: 'string',
      usage: 'Select clusters to load the image to.',
      default: '[k3s-default]',
    },
    {
      name: 'keep-tarball',
      short: 'k',
      type: 'bool',
      usage: 'Do not delete the tarball containing the saved images from the shared volume',
    },
    { name: 'keep-tools', short: 't', type: 'bool', usage: 'Do not delete the tools node after import' },
    {
      name: 'mode',
      short: 'm',
      type: 'string',
      usage:
        'Which method to use to import images into the cluster [auto, direct, tools]. See https://k3d.io/stable/usage/importing_images/',
      default: 'tools-node',
    },
  ],
};
