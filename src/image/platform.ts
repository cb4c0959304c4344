// Image and engine platforms ("os/arch[/variant]"), normalised the way containerd's platforms package does
// (platforms.Normalize): engines report the kernel's machine name (docker info: x86_64, aarch64), images
// the Go architecture (amd64, arm64). Pure: no I/O.

export interface Platform {
  os: string;
  architecture: string;
  /** '' when none (amd64, and arm64's default v8). */
  variant: string;
}

/** containerd's normalizeArch: machine names and aliases to Go's names, with arm's variant. */
function normalizeArch(arch: string, variant: string): [string, string] {
  switch (arch) {
    case 'i386':
    case 'i686':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', variant === 'v1' ? '' : variant];
    case 'aarch64':
    case 'arm64':
      return ['arm64', variant === '8' || variant === 'v8' ? '' : variant];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'armv7l':
      return ['arm', 'v7'];
    case 'armv6l':
      return ['arm', 'v6'];
    case 'arm':
      return ['arm', variant === '' || variant === '7' ? 'v7' : variant.replace(/^(\d)$/, 'v$1')];
    default:
      return [arch, variant];
  }
}

/** "linux/amd64", "Linux/x86_64", "linux/arm/v7"; undefined when it is not os/arch[/variant]. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9_.-]+$/.test(part))) {
    return undefined;
  }
  const [os = '', arch = '', variant = ''] = parts;
  const [architecture, normalisedVariant] = normalizeArch(arch, variant);
  return { os, architecture, variant: normalisedVariant };
}

export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant === '' ? base : `${base}/${platform.variant}`;
}

/**
 * The image runs on the engine: same os and architecture, and the variant if both name one, or an older
 * variant the engine also runs, as containerd's platforms.Only decides what a node pulls and unpacks:
 * arm/v7 runs arm/v6 and v5, amd64/v3 runs v2 and v1, amd64 runs 386. Stricter than Only on one point:
 * arm64 nodes are not taken to run 32-bit arm images (many arm64 server CPUs have no AArch32).
 */
export function platformMatches(image: Platform, engine: Platform): boolean {
  if (image.os !== engine.os) return false;
  if (image.architecture === '386' && engine.architecture === 'amd64') return true;
  if (image.architecture !== engine.architecture) return false;
  if (image.variant === '' || engine.variant === '' || image.variant === engine.variant) return true;
  const imageLevel = variantLevel(image.variant);
  const engineLevel = variantLevel(engine.variant);
  if (imageLevel === undefined || engineLevel === undefined) return false;
  const lowest = image.architecture === 'arm' ? 5 : 1;
  return imageLevel >= lowest && imageLevel <= engineLevel;
}

/** "v7" → 7; undefined for anything else (arm64's v8.2 and the like are only matched exactly). */
function variantLevel(variant: string): number | undefined {
  const match = /^v(\d+)$/.exec(variant);
  return match ? Number(match[1]) : undefined;
}
