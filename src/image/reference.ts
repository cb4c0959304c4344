// docker's image reference grammar (distribution/reference), checked before any process or remote command
// sees the value, and the fully qualified name containerd stores the image under. Pure.
import { UsageError } from '../errors.js';

export interface ImageReference {
  /** As typed (what `docker save` is given). */
  input: string;
  /** Registry host[:port] when the reference names one (docker's rule: a first part with '.' or ':', or localhost). */
  domain: string | undefined;
  /** Repository path without the domain, e.g. `team/app`. */
  path: string;
  tag: string | undefined;
  /** `sha256:<64 hex>` when given. */
  digest: string | undefined;
  /**
   * The fully qualified name containerd (and so every k3s node) stores the image under:
   * `myapp:1.0` → `docker.io/library/myapp:1.0`; no tag and no digest means `:latest`.
   */
  normalized: string;
}

// What `tunnel image push` accepts: a digest reference parses, but push refuses it (no tag to save under).
const GRAMMAR = '[registry[:port]/]name[:tag]';
const EXAMPLES = 'e.g. myapp:1.0, team/api:2.3 or registry.example.com:5000/team/api:2.3';
const MAX_NAME_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
// path-component := alpha-numeric [separator alpha-numeric]*, separator := [_.] | __ | -+
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Characters no image reference ever contains and that mean something to a shell.
const SHELL_META = /[\s;&|`$<>(){}\\'"!*?#~^]/;

function invalid(input: string, why: string): UsageError {
  return new UsageError(
    `${JSON.stringify(input)} is not a valid image reference: ${why}`,
    `An image reference looks like ${GRAMMAR}, ${EXAMPLES}. See your images with: docker images`,
  );
}

/** Splits `name[:tag][@digest]`; the tag colon is the last one after the last '/'. */
function splitReference(input: string): {
  name: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const at = input.indexOf('@');
  const digest = at === -1 ? undefined : input.slice(at + 1);
  const named = at === -1 ? input : input.slice(0, at);
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  return {
    name: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : undefined,
    digest,
  };
}

/** docker's ParseNormalizedNamed rule for whether the first part is a registry. */
function splitDomain(name: string): { domain: string | undefined; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: undefined, path: name };
  const first = name.slice(0, slash);
  const isDomain = /[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first;
  return isDomain ? { domain: first, path: name.slice(slash + 1) } : { domain: undefined, path: name };
}

function checkCharacters(input: string): void {
  if (input === '') throw invalid(input, 'it is empty');
  const control = /[\u0000-\u001f\u007f]/.exec(input);
  if (control) throw invalid(input, 'it contains a control character');
  const meta = SHELL_META.exec(input);
  if (meta) {
    const shown = /\s/.test(meta[0]) ? 'a space' : `"${meta[0]}"`;
    throw invalid(input, `it contains ${shown}, which no image name has`);
  }
  if (input.startsWith('-')) throw invalid(input, 'it starts with "-" (it would be read as an option)');
}

function checkPath(input: string, path: string): void {
  if (path === '') throw invalid(input, 'the repository name is empty');
  for (const component of path.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component.toLowerCase() !== component) throw invalid(input, 'the repository name must be lowercase');
    throw invalid(
      input,
      `"${component}" is not a valid name part (lowercase letters and digits, joined by ".", "_", "__" or "-")`,
    );
  }
  if (/^[a-f0-9]{64}$/.test(path)) {
    throw invalid(input, 'a 64-character hex string is an image ID, not a name (use the name:tag)');
  }
}

/**
 * Parses an image reference the way docker does; anything else is a UsageError that says what is wrong.
 * Never throws any other error, whatever the input (property-tested).
 */
export function parseImageReference(input: string): ImageReference {
  checkCharacters(input);
  const { name, tag, digest } = splitReference(input);
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw invalid(input, 'the part after "@" must be sha256: and 64 lowercase hex digits');
  }
  if (tag !== undefined && !TAG.test(tag)) {
    throw invalid(
      input,
      'the tag must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"',
    );
  }
  if (name.length > MAX_NAME_LENGTH)
    throw invalid(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  const { domain, path } = splitDomain(name);
  if (domain !== undefined && !DOMAIN.test(domain))
    throw invalid(input, `"${domain}" is not a valid registry`);
  checkPath(input, path);
  return { input, domain, path, tag, digest, normalized: normalize(domain, path, tag, digest) };
}

function normalize(
  domain: string | undefined,
  path: string,
  tag: string | undefined,
  digest: string | undefined,
): string {
  const registry = domain === undefined || domain === 'index.docker.io' ? 'docker.io' : domain;
  const repository = registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  const suffix = `${tag !== undefined ? `:${tag}` : digest === undefined ? ':latest' : ''}${digest ? `@${digest}` : ''}`;
  return `${registry}/${repository}${suffix}`;
}
