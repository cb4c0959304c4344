// The image store inside the simulated k3s node containers (containerd's k8s.io namespace, as the CRI sees
// it): read the image names out of a `docker save` tar the way `ctr images import` does (manifest.json
// RepoTags, normalised like docker's ParseNormalizedNamed), record them on the node in world.json, and
// print them as `crictl images` and `ctr images ls -q` do. Shared by the k3d and docker stand-ins.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { goJson, tabwrite } from './go-format.mjs';
import { notifyDaemon, readWorld, worldFile, writeWorld } from './world.mjs';

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** What a fresh k3s v1.31 node has pulled by the time it is Ready (server nodes run the add-ons too). */
const K3S_NODE_IMAGES = [
  { name: 'docker.io/rancher/mirrored-pause:3.6', size: 301463, pinned: true },
  { name: 'docker.io/rancher/mirrored-coredns-coredns:1.12.0', size: 20939036, pinned: false },
  { name: 'docker.io/rancher/local-path-provisioner:v0.0.30', size: 19834214, pinned: false },
];

/** docker's normalisation: `app:1` → `docker.io/library/app:1`; no tag means `:latest`. */
export function normalizeImageName(reference) {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  const hasDomain =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? reference.slice(slash + 1) : reference;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const lastPart = path.slice(path.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !path.includes('@')) path = `${path}:latest`;
  return `${domain}/${path}`;
}

/** The entries of a (ustar/GNU) tar buffer: name → contents. */
function tarEntries(buffer) {
  const entries = new Map();
  let offset = 0;
  while (offset + 512 <= buffer.length) {
    const header = buffer.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start, length) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size)) throw new Error('invalid tar header');
    entries.set(name.replace(/^\.\//, ''), buffer.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/**
 * The images a `docker save` tar holds: [{ name, id, manifestDigest, size }]. Throws with ctr's own words
 * when it is not an image archive.
 */
export function readImageArchive(buffer) {
  let manifest;
  try {
    const entries = tarEntries(buffer);
    const file = entries.get('manifest.json');
    if (!file) throw new Error('no manifest.json');
    manifest = JSON.parse(file.toString('utf8'));
  } catch {
    throw new Error('ctr: unrecognized image format');
  }
  return manifest.flatMap((entry) => {
    const configHex = String(entry.Config ?? '')
      .replace(/^blobs\/sha256\//, '')
      .replace(/\.json$/, '');
    return (entry.RepoTags ?? []).map((tag) => ({
      name: normalizeImageName(tag),
      id: `sha256:${configHex}`,
      manifestDigest: `sha256:${sha256(`${configHex}/manifest`)}`,
      size: buffer.length,
    }));
  });
}

/** The node's images: what k3s pulled for itself (servers also run the add-ons) plus what was imported. */
export function imagesOf(node) {
  const builtIn = node.role === 'server' ? K3S_NODE_IMAGES : K3S_NODE_IMAGES.slice(0, 1);
  const own = builtIn.map(({ name, size, pinned }) => ({ name, id: `sha256:${sha256(name)}`, size, pinned }));
  return [...own, ...(node.images ?? []).map((image) => ({ ...image, pinned: false }))];
}

/** Records imported images on nodes of world.json (same name: replaced) and tells the daemon to re-read. */
export function recordImages(updates) {
  const home = process.env.HOME ?? os.homedir();
  const file = worldFile(home);
  // Real nodes have separate stores; here two direct imports at once (one per node, as tunnel repairs
  // them) share world.json, so the read-modify-write is serialised or one node's image is lost.
  withLock(`${file}.lock`, () => {
    const world = readWorld(file);
    for (const { nodeName, images } of updates) {
      const node = world.clusters.flatMap((cluster) => cluster.nodes).find((item) => item.name === nodeName);
      if (!node) continue;
      const names = new Set(images.map((image) => image.name));
      node.images = [...(node.images ?? []).filter((image) => !names.has(image.name)), ...images];
    }
    writeWorld(file, world);
  });
  notifyDaemon(home);
}

/**
 * An exclusive lock file. One left by a killed stand-in (older than STALE_MS: a holder writes world.json in
 * milliseconds) is taken over by renaming it away, which only one waiter can do; a fresh lock moved by
 * mistake is linked back, so a live holder's lock is never deleted.
 */
const STALE_MS = 5000;

function withLock(lock, work) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      takeOverStale(lock);
      Atomics.wait(pause, 0, 0, 10);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function takeOverStale(lock) {
  try {
    if (Date.now() - fs.statSync(lock).mtimeMs < STALE_MS) return;
    const aside = `${lock}.stale-${process.pid}`;
    fs.renameSync(lock, aside);
    // Another waiter took the stale one over first and this moved its fresh lock: give it back.
    if (Date.now() - fs.statSync(aside).mtimeMs < STALE_MS) fs.linkSync(aside, lock);
    fs.rmSync(aside, { force: true });
  } catch {
    // Gone already (its holder finished, or another waiter took it over): try again.
  }
}

/** `crictl images -o json`: the CRI's ListImages as protojson, two-space indented. */
export function renderCrictlJson(node) {
  const images = imagesOf(node).map((image) => ({
    id: image.id,
    repoTags: [image.name],
    repoDigests: [],
    size: String(image.size),
    uid: null,
    username: '',
    spec: null,
    pinned: image.pinned,
  }));
  return `${goJson({ images }, '', '  ')}\n`;
}

/** `crictl images`: IMAGE, TAG, IMAGE ID (13 characters), SIZE in docker's units. */
export function renderCrictlTable(node) {
  const human = (bytes) =>
    bytes >= 1e6 ? `${(bytes / 1e6).toFixed(3).replace(/\.?0+$/, '')}MB` : `${Math.round(bytes / 1e3)}kB`;
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const image of imagesOf(node)) {
    const colon = image.name.lastIndexOf(':');
    rows.push([
      image.name.slice(0, colon),
      image.name.slice(colon + 1),
      image.id.slice(7, 20),
      human(image.size),
    ]);
  }
  return tabwrite(rows, { minWidth: 20, padding: 3 });
}

/** `ctr images ls -q`: every image name, sorted. */
export function renderCtrNames(node) {
  return imagesOf(node)
    .map((image) => `${image.name}\n`)
    .sort()
    .join('');
}

/** Which nodes a scenario flag (`imageImport.digestNoise: ['agent-0']`) names: a suffix or a full name. */
export function flagged(list, node) {
  return (list ?? []).some((entry) => node.name === entry || node.name.endsWith(`-${entry}`));
}
