// The `podman` stand-in for a dev server where k3d runs on Podman's socket and no docker CLI is installed
// (k3d's Podman guide). Only what tunnel runs: `podman info --format` over podman's own fields
// (libpod/define/info.go: .Host.OS, .Host.Arch as Go names it: amd64, arm64), `podman exec [-i]` into the
// k3s nodes (docker-exec.mjs, with podman's error words and exit 125), and `podman --version`. The podman
// CLI works on its storage directly, not through the socket, so "engine down" does not apply here.
import fs from 'node:fs';
import os from 'node:os';
import { exec } from './docker-exec.mjs';
import { renderTemplate } from './docker-render.mjs';
import { readWorld, worldFile } from './world.mjs';

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

function main(argv) {
  const file = worldFile(process.env.HOME ?? os.homedir());
  const world = fs.existsSync(file) ? readWorld(file) : { engine: {}, clusters: [] };
  const [command, ...rest] = argv;
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
    const entries = world.clusters.flatMap((cluster) => cluster.nodes.map((node) => ({ cluster, node })));
    return exec(rest, entries, PODMAN_EXEC_ERRORS);
  }
  printError(
    `Error: unrecognized command \`podman ${command ?? ''}\`\nTry 'podman --help' for more information\n`,
  );
  return 125;
}

process.exitCode = main(process.argv.slice(2));
