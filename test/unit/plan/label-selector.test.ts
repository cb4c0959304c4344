import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { parseLabelSelector } from '../../../src/plan/label-selector.js';

const web = { app: 'web', tier: 'frontend', 'example.com/team': 'shop' };
const cache = { app: 'cache', tier: 'backend', internal: '' };
const matching = (selector: string) =>
  Object.entries({ web, cache, none: {} })
    .filter(([, labels]) => parseLabelSelector(selector).matches(labels))
    .map(([name]) => name);

describe('parseLabelSelector', () => {
  it.each([
    ['', ['web', 'cache', 'none']],
    ['app=web', ['web']],
    ['app==web', ['web']],
    ['app!=web', ['cache', 'none']],
    ['internal', ['cache']],
    ['!internal', ['web', 'none']],
    ['app in (web, cache)', ['web', 'cache']],
    ['app notin (web)', ['cache', 'none']],
    ['app,tier=backend', ['cache']],
    ['example.com/team=shop', ['web']],
    [' app = web , !internal ', ['web']],
    ['tier in (frontend,backend),app!=cache', ['web']],
  ])('%j selects %j, as kubectl would', (selector, expected) => {
    expect(matching(selector)).toEqual(expected);
  });

  it('matches an empty value with `key=` and `key in ()`', () => {
    expect(matching('internal=')).toEqual(['cache']);
    expect(matching('internal in ()')).toEqual(['cache']);
  });

  it.each([
    ['app=web=x', /term "app=web=x"/],
    ['app=,', /empty term/],
    ['app in (web', /unclosed/],
    ['app in web', /term "app in web"/],
    ['app>3', /term "app>3"/],
    ['-app=web', /key "-app"/],
    [`${'a'.repeat(64)}=x`, /key/],
    ['Example.COM/app=x', /key "Example.COM\/app"/],
    [`app=${'v'.repeat(64)}`, /value/],
    ['app=we b', /term/],
    ['app=web!', /term|value/],
    // The one limit (1024) a flag, a setting and a control frame all apply.
    [`app in (${Array.from({ length: 300 }, (_, i) => `v${i}`).join(',')})`, /longer than 1024 characters/],
  ])('rejects %j with a usage error that shows an example', (selector, problem) => {
    try {
      parseLabelSelector(selector);
      expect.unreachable(`${selector} was accepted`);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(problem);
      expect((error as UsageError).hint).toContain("--selector 'app=web");
    }
  });

  it('throws nothing but a usage error on any text, and bounds what it quotes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseLabelSelector(text);
        } catch (error) {
          expect(error).toBeInstanceOf(TunnelError);
          expect((error as TunnelError).code).toBe('BAD_INPUT');
          expect((error as TunnelError).message.length).toBeLessThan(400);
        }
      }),
    );
  });

  it('treats `key=value` and `key in (value)` alike on any labels', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    fc.assert(
      fc.property(name, name, fc.dictionary(name, name), (key, value, labels) => {
        expect(parseLabelSelector(`${key}=${value}`).matches(labels)).toBe(
          parseLabelSelector(`${key} in (${value})`).matches(labels),
        );
        expect(parseLabelSelector(`${key}!=${value}`).matches(labels)).toBe(
          !parseLabelSelector(`${key}=${value}`).matches(labels),
        );
      }),
    );
  });
});
