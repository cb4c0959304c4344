// src/image (main file): `tunnel image push`, a local docker image into every node of a k3d cluster on the
// dev server. It reports through events and a report (the CLI prints), never reads the environment, and
// reaches the dev server only through the dev-server handle it is given (k3d and docker as it runs them).
// The steps: find k3d, docker (or podman) and the cluster's nodes, compare the image's platform with the
// nodes' (before any upload, so a wrong --cluster or an arm64 image for amd64 nodes costs nothing), create
// the temporary file, upload, `k3d image import`, check every node, import directly into the nodes k3d
// missed, check those again. k3d's own verdict (or its timeout, k3d-import.ts) never ends the push: every
// known way its import fails (no tools node, e.g. rootless Podman when k3d runs without DOCKER_SOCK;
// v5.2–v5.3's direct mode; v5.0–v5.4.6 hiding ctr's output; an ERRO from cleanup only) leaves nodes that
// the direct import repairs, so the nodes decide.
// The file is removed on every way out by the finally below.
import { withDevServer } from '../devserver/with-dev-server.js';
import type { ContainerCli } from '../remote/container-cli.js';
import { type ClusterNode, type ImportOutput, importSucceeded } from '../remote/k3d-import-output.js';
import { checkNodeImage, importIntoNode } from '../remote/node-images.js';
import type { K3dInfo } from '../remote/types.js';
import { importTimeoutMs, runK3dImport } from './k3d-import.js';
import { choosePlatform } from './platform-check.js';
import { chooseCluster, listClusterNodes } from './target.js';
import type { NodeResult, PushReport, PushRequest, PushWork } from './types.js';
import { makeRemoteFile, removeRemoteFile, uploadImage } from './upload.js';

interface Target {
  k3d: K3dInfo;
  cli: ContainerCli;
  cluster: string;
  nodes: ClusterNode[];
  file: string;
}

export async function pushImage(request: PushRequest): Promise<PushReport> {
  const { open, ...rest } = request;
  return withDevServer(open, (devServer) => pushOn({ ...rest, devServer }));
}

async function pushOn(request: PushWork): Promise<PushReport> {
  const devServer = request.devServer;
  const conn = devServer.ssh;
  const k3d = await devServer.k3d();
  const cluster = chooseCluster(await devServer.clusters(), request.cluster, devServer.alias, k3d.shell);
  const nodes = await listClusterNodes(conn, k3d, cluster.name);
  const cli = await devServer.containerCli();
  const platform = await choosePlatform(request, cli, cluster.name);
  request.signal.throwIfAborted();
  request.onEvent({ kind: 'creating-file' });
  const file = await makeRemoteFile(conn);
  const target: Target = { k3d, cli, cluster: cluster.name, nodes, file };
  try {
    request.onEvent({ kind: 'target', cluster: cluster.name, nodes, file });
    request.signal.throwIfAborted();
    const upload = await timedUpload(request, file, platform.sent ?? undefined);
    const output = await importWithK3d(request, target, upload.bytes);
    const results = await verifyNodes(request, target);
    const ok = results.every((result) => result.present);
    return {
      host: conn.target.alias,
      image: {
        reference: request.reference.input,
        name: request.reference.normalized,
        estimatedBytes: request.estimatedBytes ?? null,
      },
      cluster: cluster.name,
      platform,
      upload,
      import: {
        harmlessErrors: output.noise.length,
        warnings: output.warnings,
        errors: output.errors,
        failed: !importSucceeded(output),
      },
      nodes: results,
      ok,
    };
  } finally {
    const error = await removeRemoteFile(conn, file);
    request.onEvent(
      error === undefined ? { kind: 'removed', file } : { kind: 'cleanup-failed', file, error },
    );
  }
}

async function timedUpload(request: PushWork, file: string, platform: string | undefined) {
  const now = request.now ?? (() => performance.now());
  const started = now();
  const bytes = await uploadImage(request.devServer.ssh, file, request.reference, {
    signal: request.signal,
    platform,
    onProgress: (sent) => request.onEvent({ kind: 'progress', bytes: sent }),
  });
  const elapsedMs = Math.max(0, Math.round(now() - started));
  request.onEvent({ kind: 'uploaded', bytes, elapsedMs });
  return { bytes, elapsedMs };
}

async function importWithK3d(request: PushWork, target: Target, bytes: number): Promise<ImportOutput> {
  const output = await runK3dImport(request.devServer.ssh, {
    k3d: target.k3d,
    file: target.file,
    cluster: target.cluster,
    timeoutMs: importTimeoutMs(bytes),
    signal: request.signal,
  });
  // Reported, never thrown: the node checks below decide (see the top of this file).
  request.onEvent({ kind: 'imported', output });
  return output;
}

/** Checks every node; the ones without the image get a direct import and a second check. */
async function verifyNodes(request: PushWork, target: Target): Promise<NodeResult[]> {
  const first = await Promise.all(target.nodes.map((node) => checkNode(request, target, node)));
  const running = new Set(target.nodes.filter((node) => node.running).map((node) => node.name));
  const missing = first.filter((result) => !result.present && running.has(result.name));
  if (missing.length > 0) request.onEvent({ kind: 'repairing', nodes: missing.map((result) => result.name) });
  const repaired = await Promise.all(missing.map((result) => repairNode(request, target, result)));
  const results = first.map((result) => repaired.find((again) => again.name === result.name) ?? result);
  request.onEvent({ kind: 'verified', results });
  return results;
}

async function checkNode(request: PushWork, target: Target, node: ClusterNode): Promise<NodeResult> {
  const base = { name: node.name, role: node.role, repaired: false };
  if (!node.running) return { ...base, present: false, error: 'the node is not running' };
  const check = await checkNodeImage(request.devServer.ssh, {
    docker: target.cli.program,
    globalArgs: target.cli.args,
    node: node.name,
    image: request.reference.normalized,
    signal: request.signal,
  });
  const error = check.present ? null : (check.error ?? "not in the node's image store");
  return { ...base, present: check.present, error };
}

async function repairNode(request: PushWork, target: Target, missing: NodeResult): Promise<NodeResult> {
  const { program, args } = target.cli;
  const node = { docker: program, globalArgs: args, node: missing.name, signal: request.signal };
  const importError = await importIntoNode(request.devServer.ssh, { ...node, file: target.file });
  const check = await checkNodeImage(request.devServer.ssh, { ...node, image: request.reference.normalized });
  if (check.present) return { ...missing, present: true, repaired: true, error: null };
  const why = importError ?? check.error ?? 'still not in the image store';
  return { ...missing, present: false, error: `also missing after a direct import: ${why}` };
}
