import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseImageReference } from '../../../src/image/reference.js';

const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['myapp', undefined, 'myapp', undefined, 'docker.io/library/myapp:latest'],
    ['myapp:1.0', undefined, 'myapp', '1.0', 'docker.io/library/myapp:1.0'],
    ['team/api:2.3', undefined, 'team/api', '2.3', 'docker.io/team/api:2.3'],
    ['docker.io/nginx:1.27', 'docker.io', 'nginx', '1.27', 'docker.io/library/nginx:1.27'],
    ['index.docker.io/nginx', 'index.docker.io', 'nginx', undefined, 'docker.io/library/nginx:latest'],
    ['localhost/app:dev', 'localhost', 'app', 'dev', 'localhost/app:dev'],
    ['localhost:5000/app', 'localhost:5000', 'app', undefined, 'localhost:5000/app:latest'],
    [
      'registry.example.com:5000/team/sub/app:v1.2.3-rc_1',
      'registry.example.com:5000',
      'team/sub/app',
      'v1.2.3-rc_1',
      'registry.example.com:5000/team/sub/app:v1.2.3-rc_1',
    ],
    ['ghcr.io/a__b/c.d-e:TAG', 'ghcr.io', 'a__b/c.d-e', 'TAG', 'ghcr.io/a__b/c.d-e:TAG'],
    ['[::1]:5000/app:1', '[::1]:5000', 'app', '1', '[::1]:5000/app:1'],
    ['localhost:5000', undefined, 'localhost', '5000', 'docker.io/library/localhost:5000'],
  ])('reads %s as docker does', (input, domain, path, tag, normalized) => {
    expect(parseImageReference(input)).toEqual({ input, domain, path, tag, digest: undefined, normalized });
  });

  it('keeps a digest (with or without a tag)', () => {
    expect(parseImageReference(`app@${DIGEST}`)).toMatchObject({
      tag: undefined,
      digest: DIGEST,
      normalized: `docker.io/library/app@${DIGEST}`,
    });
    expect(parseImageReference(`app:1@${DIGEST}`).normalized).toBe(`docker.io/library/app:1@${DIGEST}`);
  });

  it.each([
    ['', /empty/],
    ['MyApp:1', /must be lowercase/],
    ['app:', /tag must be/],
    ['app:-x', /tag must be/],
    [`app:${'x'.repeat(129)}`, /tag must be/],
    ['app@sha256:abc', /sha256: and 64/],
    ['a//b', /not a valid name part/],
    ['-rm', /starts with "-"/],
    ['app_:1', /not a valid name part/],
    ['reg.example.com:port/app', /not a valid registry/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image ID/],
    [`${'a/'.repeat(130)}b`, /longer than 255/],
  ])('refuses %j', (input, why) => {
    expect(() => parseImageReference(input)).toThrow(UsageError);
    expect(() => parseImageReference(input)).toThrow(why);
  });

  it.each([
    'app; rm -rf ~',
    '$(touch /tmp/pwned)',
    'app`id`',
    'app && echo hi',
    'app|cat',
    "app'x",
    'app"x',
    'app > /etc/passwd',
    'app\nsecond',
    'app\u0000',
    'app:1 --privileged',
  ])('refuses the hostile %j with a usage error naming the problem', (input) => {
    const attempt = () => parseImageReference(input);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/is not a valid image reference: it contains/);
  });

  it('gives a hint with the grammar image push accepts (no digest: push refuses one) and an example', () => {
    try {
      parseImageReference('bad name');
      expect.unreachable();
    } catch (error) {
      expect((error as UsageError).hint).toMatch(/\[registry\[:port\]\/\]name\[:tag\],/);
      expect((error as UsageError).hint).not.toMatch(/@|digest/);
      expect((error as UsageError).hint).toMatch(/docker images/);
    }
  });

  it('never throws anything but a UsageError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        try {
          const parsed = parseImageReference(input);
          // Whatever it accepted is safe to hand to a shell or to docker as one word.
          expect(parsed.input).toMatch(/^[A-Za-z0-9_.:/@[\]-]+$/);
          expect(parsed.input.startsWith('-')).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts what the grammar generates and normalises it to a fully qualified name', () => {
    const part = fc
      .stringMatching(/^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/)
      .filter((text) => text.length <= 30);
    const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
    const domain = fc.constantFrom(undefined, 'localhost:5000', 'ghcr.io', 'registry.example.com');
    fc.assert(
      fc.property(
        domain,
        fc.array(part, { minLength: 1, maxLength: 3 }),
        fc.option(tag),
        (host, parts, version) => {
          const path = parts.join('/');
          fc.pre(!/^[a-f0-9]{64}$/.test(path));
          // docker reads a first part with a '.' as a registry ("0.a/app"): not a path then.
          fc.pre(host !== undefined || parts.length === 1 || !parts[0]!.includes('.'));
          const input = `${host ? `${host}/` : ''}${path}${version ? `:${version}` : ''}`;
          const parsed = parseImageReference(input);
          expect(parsed.path).toBe(path);
          expect(parsed.normalized).toMatch(/^[^/]+\/.+:[\w][\w.-]*$/);
          expect(parsed.normalized.endsWith(`:${version ?? 'latest'}`)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
