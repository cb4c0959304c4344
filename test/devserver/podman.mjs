// The `podman` stand-in for a dev server where k3d runs on Podman's socket and no docker CLI is installed
// (k3d's Podman guide). Only what tunnel runs: `podman info --format` over podman's own fields
// (libpod/define/info.go: .Host.OS, .Host.Arch as Go names it: amd64, arm64), `podman exec [-i]` into the
// k3s nodes (docker-exec.mjs, with podman's error words and exit 125), and `podman --version`. The podman
// CLI works on its storage directly, not through the socket, so "engine down" does not apply here.
// Which store: podman ignores DOCKER_HOST; it reads `--url` (or CONTAINER_HOST), else its local store
// (rootful for root, the user's rootless one otherwise; pkg/domain/infra, cmd/podman/root.go). The k3d
// nodes are in the store world.engine.host names (unset or /var/run/docker.sock, which podman-docker links to
// the rootful socket: the local store); a `--url` naming another socket fails like podman-remote's dial.
import fs from 'node:fs';
import os from 'node:os';
import { exec } from './docker-exec.mjs';
import { renderTemplate } from './docker-render.mjs';
import { DEFAULT_DOCKER_HOST, readWorld, worldFile } from './world.mjs';

const print = (text) => process.stdout.write(text);
const printError = (text) => process.stderr.write(text);

/** Go's GOARCH for the kernel's machine name (the engine's `arch` in world.json is uname -m). */
const GO_ARCH = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm' };

// libpod/container_exec.go and define.ErrNoSuchCtr / ErrCtrStateInvalid, as `podman exec` prints them.
const PODMAN_EXEC_ERRORS = {
  code: 125,
  noSuchContainer: (name) => `Error: no container with name or ID "${name}" found: no such container`,
  notRunning: () => 'Error: can only create exec sessions on running containers: container state improper',
};

/** The socket of podman's local store for this user. */
const localSocket = () =>
  process.getuid?.() === 0
    ? 'unix:///run/podman/podman.sock'
    : `unix:///run/user/${process.getuid?.()}/podman/podman.sock`;

/** Whether this podman sees k3d's nodes; an error string when `--url` reaches nothing. */
function store(world, url) {
  const engine = world.engine?.host;
  const local = engine === undefined || engine === DEFAULT_DOCKER_HOST || engine === localSocket();
  if (url === undefined) return { nodes: local };
  if (url === engine || url === localSocket()) return { nodes: url === engine || local };
  const path = url.replace(/^unix:\/\//, '');
  return {
    error: `Error: unable to connect to Podman socket: Get "http://d/v5.4.2/libpod/_ping": dial unix ${path}: connect: no such file or directory`,
  };
}

function main(argv) {
  const file = worldFile(process.env.HOME ?? os.homedir());
  const world = fs.existsSync(file) ? readWorld(file) : { engine: {}, clusters: [] };
  const withUrl = argv[0] === '--url';
  const url = withUrl ? argv[1] : process.env.CONTAINER_HOST || undefined;
  const seen = store(world, url);
  if (seen.error) {
    printError(`${seen.error}\n`);
    return 125;
  }
  const [command, ...rest] = withUrl ? argv.slice(2) : argv;
  if (command === '--version' || command === 'version') {
    print('podman version 5.4.2\n');
    return 0;
  }
  if (command === 'info') {
    const format = rest[rest.indexOf('--format') + 1] ?? rest[rest.indexOf('-f') + 1];
    const arch = world.engine?.arch ?? 'x86_64';
    const data = { Host: { OS: 'linux', Arch: GO_ARCH[arch] ?? arch, Hostname: 'devserver' } };
    if (!format) {
      printError('[simulator] podman info without --format is not simulated\n');
      return 1;
    }
    print(`${renderTemplate(format, data)}\n`);
    return 0;
  }
  if (command === 'exec') {
    const clusters = seen.nodes ? world.clusters : [];
    const entries = clusters.flatMap((cluster) => cluster.nodes.map((node) => ({ cluster, node })));
    return exec(rest, entries, PODMAN_EXEC_ERRORS);
  }
  printError(
    `Error: unrecognized command \`podman ${command ?? ''}\`\nTry 'podman --help' for more information\n`,
  );
  return 125;
}

process.exitCode = main(process.argv.slice(2));
