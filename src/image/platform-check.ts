// Before anything is uploaded: does the image run on the nodes? The image's platform (`docker image
// inspect` here) against the engine's (`docker info` / `podman info` on the dev server, asked when the CLI was
// chosen, container-cli.ts). A mismatch is
// refused with the build command that fixes it, unless this machine's docker also holds the nodes'
// variant of a multi-platform image; then only that variant is saved (`docker save --platform`).
import { TunnelError } from '../errors.js';
import type { ContainerCli } from '../remote/container-cli.js';
import { localImageHasPlatform } from './local-docker.js';
import { formatPlatform, parsePlatform, platformMatches } from './platform.js';
import type { PushWork } from './types.js';

/** The check's outcome, for the report (--json) and the progress line. */
export interface PlatformCheck {
  /** The image's platform as docker here said (normalised when understood); null when it did not say. */
  image: string | null;
  /** The nodes' (the engine's) platform; null when the dev server did not say. */
  nodes: string | null;
  /** Only this variant of a multi-platform image was saved and sent; null: the image as it is. */
  sent: string | null;
  /** Why there was no check; null when there was one. */
  unchecked: string | null;
}

/** Compares the platforms; refuses a mismatch; says what `docker save` should be limited to (`sent`). */
export async function choosePlatform(
  request: PushWork,
  cli: ContainerCli,
  cluster: string,
): Promise<PlatformCheck> {
  const check = await checkPlatform(request, cli, cluster);
  request.onEvent({
    kind: 'platform',
    image: check.image ?? undefined,
    nodes: check.nodes ?? undefined,
    saving: check.sent ?? undefined,
    unchecked: check.unchecked ?? undefined,
  });
  return check;
}

async function checkPlatform(request: PushWork, cli: ContainerCli, cluster: string): Promise<PlatformCheck> {
  // The answer findContainerCli got: one `info` per push.
  const engine = cli.engine;
  const nodes = engine.platform === undefined ? undefined : parsePlatform(engine.platform);
  const image = request.platform === undefined ? undefined : parsePlatform(request.platform);
  if (nodes === undefined || image === undefined) {
    // Not knowing is no reason to refuse: the push goes on and says the check was skipped.
    const unchecked =
      nodes === undefined
        ? `${cli.kind} info on ${request.devServer.alias} did not say (${engine.error ?? engine.platform ?? 'no output'})`
        : 'docker here did not say which platform the image is for';
    return { image: request.platform ?? null, nodes: engine.platform ?? null, sent: null, unchecked };
  }
  const wanted = formatPlatform(nodes);
  const checked = { image: formatPlatform(image), nodes: wanted, sent: null, unchecked: null };
  if (platformMatches(image, nodes)) return checked;
  const hasVariant = request.hasPlatform ?? localImageHasPlatform;
  const holds = await hasVariant(request.reference, wanted, request.signal);
  // Ctrl-C stopped docker: its "no" is no answer.
  request.signal.throwIfAborted();
  if (holds) return { ...checked, sent: wanted };
  throw wrongPlatform(request, { image: checked.image, nodes: wanted, cluster });
}

function wrongPlatform(request: PushWork, what: { image: string; nodes: string; cluster: string }) {
  const name = request.reference.input;
  return new TunnelError(
    'IMAGE',
    `${name} is built for ${what.image}, but the nodes of ${JSON.stringify(what.cluster)} on ` +
      `${request.devServer.alias} run ${what.nodes}: its containers would fail with "exec format error". ` +
      'Nothing was uploaded.',
    {
      hint:
        `Build it for the nodes: docker build --platform ${what.nodes} -t ${name} . ` +
        `(or both at once, with the containerd image store: docker buildx build --platform ${what.nodes},${what.image} -t ${name} --load .); ` +
        `for a pulled image: docker pull --platform ${what.nodes} ${name}. Then push again.`,
    },
  );
}
