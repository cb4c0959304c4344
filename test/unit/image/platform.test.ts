import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform, platformMatches } from '../../../src/image/platform.js';

const parse = (text: string) => {
  const platform = parsePlatform(text);
  if (!platform) throw new Error(`unparsed ${text}`);
  return platform;
};

describe('platforms as containerd normalises them', () => {
  it.each([
    ['linux/x86_64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/armv7l', 'linux/arm/v7'],
    ['linux/arm', 'linux/arm/v7'],
    ['Linux/AMD64', 'linux/amd64'],
  ])('%s is %s', (text, normalised) => {
    expect(formatPlatform(parse(text))).toBe(normalised);
  });

  it('rejects what is not os/arch[/variant]', () => {
    expect(parsePlatform('<no value>/x86_64')).toBeUndefined();
    expect(parsePlatform('amd64')).toBeUndefined();
    expect(parsePlatform('')).toBeUndefined();
  });

  it('an arm64 image does not run on an x86_64 engine; amd64 does', () => {
    expect(platformMatches(parse('linux/arm64'), parse('linux/x86_64'))).toBe(false);
    expect(platformMatches(parse('linux/amd64'), parse('linux/x86_64'))).toBe(true);
    expect(platformMatches(parse('linux/arm64/v8'), parse('linux/aarch64'))).toBe(true);
  });

  it("an older arm or amd64 variant runs, as containerd's platforms.Only lets a node pull it", () => {
    expect(platformMatches(parse('linux/arm/v6'), parse('linux/armv7l'))).toBe(true);
    expect(platformMatches(parse('linux/arm/v5'), parse('linux/arm/v7'))).toBe(true);
    expect(platformMatches(parse('linux/arm/v7'), parse('linux/armv6l'))).toBe(false);
    expect(platformMatches(parse('linux/amd64/v2'), parse('linux/amd64/v3'))).toBe(true);
    expect(platformMatches(parse('linux/amd64/v3'), parse('linux/amd64/v2'))).toBe(false);
    expect(platformMatches(parse('linux/386'), parse('linux/x86_64'))).toBe(true);
    // Stricter than containerd: 32-bit arm on arm64 nodes needs AArch32, which many arm64 CPUs lack.
    expect(platformMatches(parse('linux/arm/v7'), parse('linux/aarch64'))).toBe(false);
  });
});
