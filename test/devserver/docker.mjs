// The `docker` stand-in for the simulated dev server: version, info, ps, inspect and port over the containers
// of $HOME/.sim/world.json — enough for a preflight ("is the engine up?") and a port cross-check — and exec
// into k3s nodes for their image store (docker-exec.mjs).
import fs from 'node:fs';
import os from 'node:os';
import { context } from './docker-context.mjs';
import { exec } from './docker-exec.mjs';
import { inspectContainer, psRow, renderTemplate } from './docker-render.mjs';
import { versionData } from './docker-version.mjs';
import { goJson, tabwrite } from './go-format.mjs';
import { DEFAULT_VERSIONS, dockerDownMessage, engineSeenBy, readWorld, worldFile } from './world.mjs';

const DOCKER_DOWN = dockerDownMessage();
const print = (text) => process.stdout.write(text);
const printError = (text) => process.stderr.write(text);

function loadWorld() {
  const file = worldFile(process.env.HOME ?? os.homedir());
  if (!fs.existsSync(file)) return { versions: DEFAULT_VERSIONS, engine: { running: true }, clusters: [] };
  const world = readWorld(file);
  // DOCKER_HOST decides which engine this process reaches, as with the real CLI.
  return { ...world, engine: engineSeenBy(world) };
}

/** Flags of one docker subcommand: repeated flags collect into arrays; `-f x`, `--format=x` both work. */
function options(argv, spec) {
  const result = { args: [] };
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index];
    const [name, inline] = word.startsWith('--') ? word.slice(2).split(/=(.*)/s) : [word.slice(1), undefined];
    const key = word.startsWith('-') ? (spec[name] ?? null) : undefined;
    if (key === undefined) result.args.push(word);
    else if (key === null) throw new Error(`unknown flag: ${word}`);
    else if (key.endsWith('!')) result[key.slice(0, -1)] = true;
    else result[key] = [...(result[key] ?? []), inline ?? argv[++index]];
  }
  return result;
}

const containers = (world) =>
  world.clusters.flatMap((cluster) => [...cluster.nodes].reverse().map((node) => ({ cluster, node })));

function version(argv, world) {
  const { format } = options(argv, { f: 'format', format: 'format' });
  const data = versionData(world);
  if (format) {
    const template = format.at(-1) === 'json' ? '{{json .}}' : format.at(-1);
    print(`${renderTemplate(template, data)}\n`);
  } else {
    const c = data.Client;
    print(
      `Client:\n Version:           ${c.Version}\n API version:       ${c.ApiVersion}\n Go version:        ${c.GoVersion}\n Git commit:        ${c.GitCommit}\n Built:             ${c.BuildTime}\n OS/Arch:           linux/amd64\n Context:           default\n`,
    );
    if (data.Server) {
      const s = data.Server;
      print(
        `\nServer: Docker Engine - Community\n Engine:\n  Version:          ${s.Version}\n  API version:      ${s.ApiVersion} (minimum version ${s.MinAPIVersion})\n  Go version:       ${s.GoVersion}\n  Git commit:       ${s.GitCommit}\n  Built:            ${c.BuildTime}\n  OS/Arch:          linux/amd64\n  Experimental:     false\n containerd:\n  Version:          1.7.28\n runc:\n  Version:          1.3.0\n docker-init:\n  Version:          0.19.0\n`,
      );
    }
  }
  if (!data.Server) printError(`${DOCKER_DOWN}\n`);
  return data.Server ? 0 : 1;
}

function info(argv, world) {
  const { format } = options(argv, { f: 'format', format: 'format' });
  if (!world.engine.running) {
    if (!format)
      print(
        'Client: Docker Engine - Community\n Version:    28.5.1\n Context:    default\n Debug Mode: false\n\nServer:\n',
      );
    printError(format ? `${DOCKER_DOWN}\n` : `ERROR: ${DOCKER_DOWN}\nerrors pretty printing info\n`);
    return 1;
  }
  const all = containers(world);
  const running = all.filter(({ cluster }) => cluster.running).length;
  const data = {
    ID: 'SIM0:DEVS:ERVE:R000:0000:0000:0000:0000:0000:0000:0000:0000',
    Containers: all.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: all.length - running,
    Images: 2,
    Driver: 'overlay2',
    CgroupDriver: 'systemd',
    CgroupVersion: '2',
    KernelVersion: os.release(),
    OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
    OSType: 'linux',
    // The kernel's machine name (uname -m), as docker info reports it: x86_64, aarch64.
    Architecture: world.engine.arch ?? 'x86_64',
    NCPU: os.cpus().length,
    MemTotal: os.totalmem(),
    Name: 'devserver',
    ServerVersion: world.versions.docker,
  };
  if (format) {
    print(`${renderTemplate(format.at(-1) === 'json' ? '{{json .}}' : format.at(-1), data)}\n`);
    return 0;
  }
  print(
    `Client: Docker Engine - Community\n Version:    ${data.ServerVersion}\n Context:    default\n Debug Mode: false\n\nServer:\n Containers: ${data.Containers}\n  Running: ${running}\n  Paused: 0\n  Stopped: ${data.ContainersStopped}\n Images: 2\n Server Version: ${data.ServerVersion}\n Storage Driver: overlay2\n Cgroup Driver: systemd\n Cgroup Version: 2\n Kernel Version: ${data.KernelVersion}\n Operating System: ${data.OperatingSystem}\n OSType: linux\n Architecture: ${data.Architecture}\n CPUs: ${data.NCPU}\n Name: devserver\n`,
  );
  return 0;
}

function matches({ cluster, node }, filters) {
  return filters.every((filter) => {
    const [kind, value = ''] = filter.split(/=(.*)/s);
    if (kind === 'label') {
      const [key, wanted] = value.split(/=(.*)/s);
      return key in node.labels && (wanted === undefined || node.labels[key] === wanted);
    }
    if (kind === 'name') return node.name.includes(value);
    if (kind === 'status') return (cluster.running ? 'running' : 'exited') === value;
    throw new Error(`invalid filter '${kind}'`);
  });
}

function ps(argv, world) {
  const opts = options(argv, {
    a: 'all!',
    all: 'all!',
    q: 'quiet!',
    quiet: 'quiet!',
    'no-trunc': 'noTrunc!',
    filter: 'filter',
    f: 'filter',
    format: 'format',
  });
  const selected = containers(world)
    .filter(({ cluster }) => opts.all || cluster.running)
    .filter((entry) => matches(entry, opts.filter ?? []));
  const rows = selected.map(({ cluster, node }) => psRow(cluster, node));
  if (opts.quiet) {
    print(rows.map((row) => `${row.ID}\n`).join(''));
    return 0;
  }
  const format =
    opts.format?.at(-1) ??
    'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
  if (format === 'json') {
    print(rows.map(({ labels, ...row }) => `${goJson(row)}\n`).join(''));
  } else if (format.startsWith('table')) {
    const body = format.replace(/^table\s*/, '');
    const header = body.replace(
      /\{\{\s*\.(\w+)\s*\}\}/g,
      (_, field) => ({ ID: 'CONTAINER ID', RunningFor: 'CREATED' })[field] ?? field.toUpperCase(),
    );
    const lines = [header, ...rows.map((row) => renderTemplate(body, row))].map((line) => line.split('\t'));
    print(tabwrite(lines, { minWidth: 10, padding: 3 }));
  } else {
    print(rows.map((row) => `${renderTemplate(format, row)}\n`).join(''));
  }
  return 0;
}

function inspect(argv, world) {
  const { args, format } = options(argv, { f: 'format', format: 'format', type: 'type' });
  const found = [];
  for (const name of args) {
    const entry = containers(world).find(({ node }) => node.name === name || node.id.startsWith(name));
    if (!entry) {
      if (!format)
        print(
          `${goJson(
            found.map(({ cluster, node }) => inspectContainer(cluster, node)),
            '',
            '    ',
          )}\n`,
        );
      printError(`Error: No such object: ${name}\n`);
      return 1;
    }
    found.push(entry);
  }
  const details = found.map(({ cluster, node }) => inspectContainer(cluster, node));
  if (format) print(details.map((detail) => `${renderTemplate(format.at(-1), detail)}\n`).join(''));
  else print(`${goJson(details, '', '    ')}\n`);
  return 0;
}

function port(argv, world) {
  const entry = containers(world).find(({ node }) => node.name === argv[0]);
  if (!entry) {
    printError(`Error response from daemon: No such container: ${argv[0]}\n`);
    return 1;
  }
  const ports = inspectContainer(entry.cluster, entry.node).NetworkSettings.Ports;
  for (const [key, bindings] of [...ports].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const binding of bindings ?? [])
      print(`${key} -> ${binding.HostIp === '::' ? '[::]' : binding.HostIp}:${binding.HostPort}\n`);
  }
  return 0;
}

function main([command, ...rest]) {
  const world = loadWorld();
  if (command === '--version' || command === '-v') {
    print(`Docker version ${world.versions.docker}, build e180ab8\n`);
    return 0;
  }
  const handlers = {
    version,
    info,
    ps,
    inspect,
    port,
    exec: (argv, current) => exec(argv, containers(current)),
    context: (argv) => context(argv, { print, printError }),
  };
  const handler = handlers[command ?? ''];
  if (!handler) {
    printError(`docker: '${command ?? ''}' is not a docker command.\nSee 'docker --help'\n`);
    return 1;
  }
  if (!world.engine.running && command !== 'version' && command !== 'info' && command !== 'context') {
    printError(`${DOCKER_DOWN}\n`);
    return 1;
  }
  try {
    return handler(rest, world);
  } catch (error) {
    printError(`${error.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
