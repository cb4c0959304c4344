// The test's local `docker` (this machine's, the Mac's): only what `tunnel image push` runs here, `docker
// image inspect [--platform p] --format <template> <image>` (the fields .Size .Os .Architecture .Variant and
// `{{if .Variant}}…{{end}}`) and `docker save [--platform p] <image>`, which writes a small but real image
// archive like docker 25+ does (OCI layout + manifest.json; the layer is a real tar). Not production code.
//
// Environment: FAKE_DOCKER_IMAGES  comma-separated images "present" here (e.g. myapp:1.0,web)
//              FAKE_DOCKER_LAYER_BYTES  size of the one layer's file (default 2 MiB)
//              FAKE_DOCKER_SAVE_FAIL_AFTER  write this many bytes of the archive, then fail (exit 1)
//              FAKE_DOCKER_SAVE_STALL_AFTER  write this many bytes, then wait until killed
//              FAKE_DOCKER_PID_FILE  docker save writes its pid here
//              FAKE_DOCKER_DAEMON_DOWN=1  every command fails as with Docker Desktop not running
//              FAKE_DOCKER_PLATFORMS  the image's platforms (default linux/amd64); several = a multi-platform
//                image in the containerd store, the first being what plain inspect shows (the host's)
//              FAKE_DOCKER_SAVE_PLATFORM_FILE  docker save writes the --platform it was given here
//              FAKE_DOCKER_LISTED_PLATFORMS  platforms the image's index lists but that were never pulled
//                (`docker pull` fetches only the host's): inspect --platform prints empty fields and exits 0
//                (moby daemon/containerd/image_inspect.go ignores the missing config), save --platform fails
import crypto from 'node:crypto';
import fs from 'node:fs';

const env = process.env;
const DAEMON_DOWN =
  'Cannot connect to the Docker daemon at unix:///Users/me/.docker/run/docker.sock. Is the docker daemon running?';

function normalize(reference) {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  const hasDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost');
  let path = hasDomain ? reference.slice(slash + 1) : reference;
  const domain = hasDomain ? first : 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!path.slice(path.lastIndexOf('/') + 1).includes(':')) path = `${path}:latest`;
  return `${domain}/${path}`;
}

const present = (env.FAKE_DOCKER_IMAGES ?? '').split(',').filter(Boolean);
const find = (reference) => present.find((image) => normalize(image) === normalize(reference));
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

function tarEntry(name, data, type = '0') {
  const header = Buffer.alloc(512);
  const put = (text, offset, length) => header.write(text, offset, length, 'utf8');
  put(name, 0, 100);
  put(type === '5' ? '0000755\0' : '0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12);
  put(
    `${Math.floor(Date.UTC(2026, 0, 1) / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    12,
  );
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  const sum = header.reduce((total, byte) => total + byte, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}

const tar = (entries) =>
  Buffer.concat([...entries.map(([name, data, type]) => tarEntry(name, data, type)), Buffer.alloc(1024)]);

/** Deterministic bytes per image, so two saves of one image have the same digests. */
function layerFile(image, size) {
  const out = Buffer.alloc(size);
  let block = crypto.createHash('sha256').update(image).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = crypto.createHash('sha256').update(block).digest();
  }
  return out;
}

function archive(image) {
  const layer = tar([
    ['app/', Buffer.alloc(0), '5'],
    ['app/data.bin', layerFile(image, Number(env.FAKE_DOCKER_LAYER_BYTES ?? 2 * 1024 * 1024))],
  ]);
  const layerHex = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/app/run'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] },
    }),
  );
  const configHex = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configHex}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: `sha256:${layerHex}`,
          size: layer.length,
        },
      ],
    }),
  );
  const manifestHex = sha256(manifest);
  const name = normalize(image);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${manifestHex}`,
        size: manifest.length,
        annotations: {
          'io.containerd.image.name': name,
          'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1),
        },
      },
    ],
  };
  const dockerManifest = [
    { Config: `blobs/sha256/${configHex}`, RepoTags: [image], Layers: [`blobs/sha256/${layerHex}`] },
  ];
  return tar([
    ['blobs/', Buffer.alloc(0), '5'],
    ['blobs/sha256/', Buffer.alloc(0), '5'],
    [`blobs/sha256/${configHex}`, config],
    [`blobs/sha256/${layerHex}`, layer],
    [`blobs/sha256/${manifestHex}`, manifest],
    ['index.json', Buffer.from(JSON.stringify(index))],
    ['manifest.json', Buffer.from(JSON.stringify(dockerManifest))],
    ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
  ]);
}

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function save(reference) {
  const image = find(reference);
  if (!image) fail(`Error response from daemon: No such image: ${reference}`);
  if (env.FAKE_DOCKER_PID_FILE) fs.writeFileSync(env.FAKE_DOCKER_PID_FILE, String(process.pid));
  const data = archive(image);
  const stopAt = Number(env.FAKE_DOCKER_SAVE_FAIL_AFTER ?? env.FAKE_DOCKER_SAVE_STALL_AFTER ?? data.length);
  for (let offset = 0; offset < Math.min(stopAt, data.length); offset += 64 * 1024) {
    const chunk = data.subarray(offset, Math.min(offset + 64 * 1024, stopAt));
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  if (env.FAKE_DOCKER_SAVE_STALL_AFTER) setInterval(() => {}, 60_000);
  else if (env.FAKE_DOCKER_SAVE_FAIL_AFTER)
    fail('Error response from daemon: write /dev/stdout: unexpected EOF');
}

/** `--flag value` out of args; returns [value, the rest]. */
function takeFlag(args, flag) {
  const index = args.indexOf(flag);
  if (index === -1) return [undefined, args];
  return [args[index + 1], args.filter((_, i) => i !== index && i !== index + 1)];
}

const platforms = () => (env.FAKE_DOCKER_PLATFORMS ?? 'linux/amd64').split(',');
const listedOnly = () => (env.FAKE_DOCKER_LISTED_PLATFORMS ?? '').split(',').filter(Boolean);
/** moby daemon/containerd/image.go errPlatformNotFound. */
const notProvided = (reference, platform) =>
  `image with reference ${reference} was found but does not provide the specified platform (${platform})`;

/** The few template pieces tunnel uses, evaluated as Go's text/template would for these fields. */
function render(template, fields) {
  return template
    .replace(/\{\{if \.(\w+)\}\}(.*?)\{\{end\}\}/g, (_, name, body) => (fields[name] ? body : ''))
    .replace(/\{\{\.(\w+)\}\}/g, (_, name) => (name in fields ? String(fields[name]) : '<no value>'));
}

function inspect(args) {
  const [format, afterFormat] = takeFlag(args, '--format');
  const [platform, rest] = takeFlag(afterFormat, '--platform');
  const reference = rest.at(-1);
  const image = reference && find(reference);
  if (!image) fail(`Error response from daemon: No such image: ${reference}`);
  const available = platforms();
  // API 1.49: the variant for --platform, an error when the image does not provide it.
  const chosen = platform ?? available[0];
  const listed = listedOnly().includes(chosen);
  if (!available.includes(chosen) && !listed) {
    fail(`Error response from daemon: ${notProvided(reference, chosen)}`);
  }
  // Listed, not pulled: the best match is chosen without checking that its content is there, and
  // reading its config fails with NotFound, which inspect ignores: Os, Architecture and Size stay empty.
  const [os, architecture, variant = ''] = listed ? ['', '', ''] : chosen.split('/');
  const size = listed ? 0 : Number(env.FAKE_DOCKER_LAYER_BYTES ?? 2 * 1024 * 1024) + 4096;
  process.stdout.write(
    `${render(format ?? '{{.Size}}', { Size: size, Os: os, Architecture: architecture, Variant: variant })}\n`,
  );
}

const [command, ...rest] = process.argv.slice(2);
if (env.FAKE_DOCKER_DAEMON_DOWN === '1') fail(DAEMON_DOWN);
if (command === 'save') {
  const [platform, args] = takeFlag(rest, '--platform');
  // moby daemon/containerd/image_exporter.go: getPushDescriptor finds no present manifest for it.
  if (platform && !platforms().includes(platform))
    fail(
      `Error response from daemon: no suitable export target found: ${notProvided(args.at(-1), platform)}`,
    );
  if (env.FAKE_DOCKER_SAVE_PLATFORM_FILE)
    fs.writeFileSync(env.FAKE_DOCKER_SAVE_PLATFORM_FILE, platform ?? '');
  await save(args.at(-1));
} else if (command === 'image' && rest[0] === 'inspect') inspect(rest.slice(1));
else fail(`[fake docker] not supported: docker ${process.argv.slice(2).join(' ')}`);
