// `docker exec` for the docker stand-in, for what runs inside a k3s node container: `crictl images
// [-o json]` and `ctr [-n k8s.io] images import [--all-platforms] -|<file>` / `ctr images ls -q`. k3s ships
// crictl and ctr in its image (multicall k3s binary), and its ctr defaults to the k8s.io namespace; the
// serverlb (nginx on alpine) has neither. Stdin reaches the container only with -i, as with docker.
import fs from 'node:fs';
import {
  flagged,
  readImageArchive,
  recordImages,
  renderCrictlJson,
  renderCrictlTable,
  renderCtrNames,
} from './node-images.mjs';

const print = (text) => process.stdout.write(text);
const printError = (text) => process.stderr.write(text);

// Flags of `docker exec` itself; the ones with a value take the next word.
const BOOL_FLAGS = new Set([
  '-i',
  '--interactive',
  '-t',
  '--tty',
  '-it',
  '-ti',
  '-d',
  '--detach',
  '--privileged',
]);
const VALUE_FLAGS = new Set([
  '-u',
  '--user',
  '-e',
  '--env',
  '-w',
  '--workdir',
  '--env-file',
  '--detach-keys',
]);

function parseExec(argv) {
  let interactive = false;
  let index = 0;
  for (; index < argv.length && argv[index].startsWith('-'); index++) {
    const [flag] = argv[index].split('=');
    if (['-i', '--interactive', '-it', '-ti'].includes(flag)) interactive = true;
    if (VALUE_FLAGS.has(flag) && !argv[index].includes('=')) index++;
    else if (!BOOL_FLAGS.has(flag) && !VALUE_FLAGS.has(flag)) throw new Error(`unknown flag: ${flag}`);
  }
  return { interactive, container: argv[index], command: argv.slice(index + 1) };
}

const notFound = (name) => {
  printError(
    `OCI runtime exec failed: exec failed: unable to start container process: exec: "${name}": executable file not found in $PATH: unknown\n`,
  );
  return 127;
};

function crictl(node, args) {
  if (args[0] !== 'images' && args[0] !== 'image' && args[0] !== 'img') {
    printError(`[simulator] crictl ${args.join(' ')} is not simulated\n`);
    return 1;
  }
  const rest = args.slice(1).join(' ');
  if (/^(-o|--output)[ =]json$/.test(rest)) print(renderCrictlJson(node));
  else if (rest === '') print(renderCrictlTable(node));
  else {
    printError(`[simulator] crictl images ${rest} is not simulated\n`);
    return 1;
  }
  return 0;
}

/** ctr's import from a file or stdin ("-"): `unpacking <name> (<digest>)...done` per image (ctr 1.7). */
function ctrImport(cluster, node, args, stdin) {
  const source = args.filter((arg) => !arg.startsWith('-') || arg === '-').at(-1);
  if (source === undefined) {
    printError('ctr: expected 1 argument\n');
    return 1;
  }
  let images;
  try {
    images = readImageArchive(source === '-' ? stdin() : fs.readFileSync(source));
  } catch (error) {
    printError(
      `${error.code === 'ENOENT' ? `ctr: open ${source}: no such file or directory` : error.message}\n`,
    );
    return 1;
  }
  for (const image of images) {
    print(`unpacking ${image.name} (${image.manifestDigest})...`);
    if (flagged(cluster.spec?.imageImport?.directImportFails, node)) {
      printError(`ctr: content digest ${image.id}: not found\n`);
      return 1;
    }
    print('done\n');
  }
  recordImages([{ nodeName: node.name, images }]);
  return 0;
}

/** `ctr [-n|--namespace k8s.io] images|image|i import …|ls -q`. */
function ctr(cluster, node, args, stdin) {
  const rest = [...args];
  if (rest[0] === '-n' || rest[0] === '--namespace') rest.splice(0, 2);
  else if (rest[0]?.startsWith('--namespace=')) rest.shift();
  if (!['images', 'image', 'i'].includes(rest[0])) {
    printError(`[simulator] ctr ${args.join(' ')} is not simulated\n`);
    return 1;
  }
  if (rest[1] === 'import') return ctrImport(cluster, node, rest.slice(2), stdin);
  if ((rest[1] === 'ls' || rest[1] === 'list') && rest.includes('-q')) {
    print(renderCtrNames(node));
    return 0;
  }
  printError(`[simulator] ctr ${args.join(' ')} is not simulated\n`);
  return 1;
}

/** docker's answers for a missing or stopped container; podman.mjs passes podman's. */
const DOCKER_EXEC_ERRORS = {
  code: 1,
  noSuchContainer: (name) => `Error response from daemon: No such container: ${name}`,
  notRunning: (node) => `Error response from daemon: container ${node.id} is not running`,
};

export function exec(argv, entries, errors = DOCKER_EXEC_ERRORS) {
  const { interactive, container, command } = parseExec(argv);
  if (container === undefined || command.length === 0) {
    printError('"docker exec" requires at least 2 arguments.\nSee \'docker exec --help\'.\n');
    return 1;
  }
  const entry = entries.find(({ node }) => node.name === container || node.id.startsWith(container));
  if (!entry) {
    printError(`${errors.noSuchContainer(container)}\n`);
    return errors.code;
  }
  const { cluster, node } = entry;
  if (!cluster.running) {
    printError(`${errors.notRunning(node)}\n`);
    return errors.code;
  }
  const k3s = node.role !== 'loadbalancer';
  // Without -i docker attaches no stdin: the process reads EOF at once.
  const stdin = () => (interactive ? fs.readFileSync(0) : Buffer.alloc(0));
  if (command[0] === 'crictl') return k3s ? crictl(node, command.slice(1)) : notFound('crictl');
  if (command[0] === 'ctr') return k3s ? ctr(cluster, node, command.slice(1), stdin) : notFound('ctr');
  return notFound(command[0]);
}
