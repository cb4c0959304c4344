// Flags the user types: `-p` port specs, `--map`, durations, image references, host aliases. Any string
// gives a value or a UsageError whose message quotes the input, so the user sees which flag was wrong.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config/duration.js';
import { SETTING_KEYS } from '../../../src/config/setting-keys.js';
import { checkHostAlias, hostSettingsFrom, parseSettingsText } from '../../../src/config/settings.js';
import { parseImageReference } from '../../../src/image/reference.js';
import { parsePortMap, parsePortMaps } from '../../../src/plan/forward-plan.js';
import { checkClusterName } from '../../../src/remote/cluster-request.js';
import { isSafeClusterName } from '../../../src/remote/k3d-parse.js';
import { formatPortSpec, parsePortSpec } from '../../../src/remote/port-spec.js';
import { hostileText, valueOrTunnelError, valueOrUsageError } from './helpers.js';

/** Strings near each grammar, so both branches (value and error) are exercised often. */
const portish = fc
  .array(
    fc.oneof(
      fc.constantFrom(':', '@', ';', ',', '-', '*', '/', '[', ']', '.', ' ', 'tcp', 'udp', 'server', 'agent'),
      fc.constantFrom('loadbalancer', 'all', 'servers', 'agents', 'direct', 'proxy', '0.0.0.0', '::1'),
      fc.integer({ min: -1, max: 70_000 }).map(String),
      fc.constantFrom('30080', '8080', '65535', '65536', '0', '99999999999999999999999'),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));
const durationish = fc
  .array(
    fc.oneof(fc.nat(100_000).map(String), fc.constantFrom('ms', 'h', 'm', 's', '.', ' ', '1e3', '-', 'd')),
    {
      maxLength: 6,
    },
  )
  .map((parts) => parts.join(''));
const imageish = fc
  .array(
    fc.oneof(
      fc.constantFrom('/', ':', '@', 'sha256:', 'a', 'A', '.', '-', '_', '__', 'localhost:5000'),
      fc.string(),
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''));

function quotesInput(message: string, input: string): boolean {
  return message.includes(JSON.stringify(input)) || message.includes(input);
}

describe('user-typed specs', () => {
  it('-p: a PortSpec that formats and re-parses, or a UsageError quoting the spec', () => {
    fc.assert(
      fc.property(fc.oneof(portish, hostileText), (spec) => {
        const outcome = valueOrUsageError(() => parsePortSpec(spec));
        if (!outcome.ok) expect(quotesInput(outcome.error.message, spec)).toBe(true);
        else expect(parsePortSpec(formatPortSpec(outcome.value))).toEqual(outcome.value);
      }),
      { numRuns: 800 },
    );
  });

  it('--map: a pair of ports in 1-65535, or a UsageError quoting the spec', () => {
    fc.assert(
      fc.property(fc.oneof(portish, hostileText), (spec) => {
        const outcome = valueOrUsageError(() => parsePortMap(spec));
        if (!outcome.ok) expect(quotesInput(outcome.error.message, spec)).toBe(true);
        else for (const port of outcome.value) expect(port >= 1 && port <= 65535).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(portish, hostileText), { maxLength: 6 }), (specs) => {
        valueOrUsageError(() => parsePortMaps(specs));
      }),
      { numRuns: 200 },
    );
  });

  it('durations: whole milliseconds within the limits, or a UsageError quoting the text', () => {
    fc.assert(
      fc.property(fc.oneof(durationish, hostileText), (text) => {
        const outcome = valueOrUsageError(() => parseDuration(text, '--hold-timeout'));
        if (!outcome.ok) {
          expect(outcome.error.message).toContain('--hold-timeout');
          expect(quotesInput(outcome.error.message, text)).toBe(true);
        } else {
          expect(Number.isInteger(outcome.value)).toBe(true);
          expect(outcome.value >= 100 && outcome.value <= 86_400_000).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('image references: a normalized reference, or a UsageError quoting the input', () => {
    fc.assert(
      fc.property(fc.oneof(imageish, hostileText), (input) => {
        const outcome = valueOrUsageError(() => parseImageReference(input));
        if (!outcome.ok) expect(outcome.error.message).toContain(JSON.stringify(input));
        else expect(outcome.value.normalized).not.toMatch(/[\s\u0000-\u001f]/);
      }),
      { numRuns: 500 },
    );
  });

  it('host aliases for settings: accepted unchanged, or a UsageError quoting the alias', () => {
    fc.assert(
      fc.property(hostileText, (alias) => {
        const outcome = valueOrUsageError(() => checkHostAlias(alias));
        if (outcome.ok) expect(outcome.value).toBe(alias);
        else expect(outcome.error.message).toContain(JSON.stringify(alias));
      }),
      { numRuns: 300 },
    );
  });

  it('cluster names: a name k3d accepts (never a flag, never a shell word), or a UsageError', () => {
    const nameish = fc
      .array(fc.constantFrom('a', 'Z', '0', '-', '.', '--all', ' ', ';', '$(x)', '\n'), { maxLength: 40 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(nameish, hostileText), (name) => {
        const outcome = valueOrUsageError(() => checkClusterName(name));
        if (outcome.ok) {
          expect(outcome.value).toMatch(/^[A-Za-z0-9][A-Za-z0-9.-]*$/);
          expect(outcome.value.length).toBeLessThanOrEqual(32);
          if (!name.includes('.')) expect(isSafeClusterName(name)).toBe(true);
        } else if (name !== '') expect(outcome.error.message).toContain(JSON.stringify(name));
      }),
      { numRuns: 500 },
    );
  });

  it('settings file: any text or host entry gives settings or a SETTINGS error naming the file', () => {
    const keys = fc.constantFrom(...SETTING_KEYS, 'hosts', '__proto__', 'constructor', 'x');
    const settingValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      hostileText,
      fc.array(fc.oneof(fc.constantFrom('8080:18080', 'app', '45s'), hostileText), { maxLength: 3 }),
      fc.constantFrom('45s', '127.0.0.1', '0.0.0.0', true, 'none', '~/.kube/config'),
    );
    const entry = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(keys, settingValue));
    const text = fc.oneof(
      hostileText,
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc.dictionary(fc.string({ maxLength: 8 }), entry).map((hosts) => JSON.stringify({ hosts })),
    );
    fc.assert(
      fc.property(text, entry, (fileText, raw) => {
        const parsed = valueOrTunnelError(() => parseSettingsText(fileText, '/s.json'));
        if (!parsed.ok) expect(parsed.error.code).toBe('SETTINGS');
        const host = valueOrTunnelError(() => hostSettingsFrom(raw, 'devbox', '/s.json'));
        if (!host.ok) {
          expect(host.error.code).toBe('SETTINGS');
          expect(host.error.message).toContain('/s.json');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('stays fast on very long specs (no backtracking blow-up)', () => {
    const long = ['1'.repeat(100_000), `${'1:'.repeat(50_000)}`, `8080:80@${'server:0;'.repeat(20_000)}`];
    for (const spec of long) {
      valueOrUsageError(() => parsePortSpec(spec));
      valueOrUsageError(() => parsePortMap(spec));
      valueOrUsageError(() => parseDuration(spec));
      valueOrUsageError(() => parseImageReference(spec));
      valueOrUsageError(() => checkClusterName(spec));
    }
    valueOrUsageError(() => parseDuration('1m'.repeat(100_000)));
    valueOrUsageError(() => parseDuration(`${'1.'.repeat(50_000)}s`));
  });
});
