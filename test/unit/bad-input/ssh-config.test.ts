// `ssh -G` stdout is the user's config echoed back by OpenSSH: any line, any value, any bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LocalContext, parseSshG } from '../../../src/ssh/ssh-config.js';
import { hostileText, joinLines, nonUtf8Text, valueOrTunnelError } from './helpers.js';

const local: LocalContext = {
  homeDir: '/home/me',
  localUser: 'me',
  uid: 1000,
  localHostName: 'laptop.example',
  env: { SSH_AUTH_SOCK: '/tmp/agent.sock', HOME: '/home/me' },
};

const KEYS = [
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'identityagent',
  'userknownhostsfile',
  'globalknownhostsfile',
  'stricthostkeychecking',
  'hashknownhosts',
  'connecttimeout',
  'serveraliveinterval',
  'serveralivecountmax',
  'proxycommand',
  'proxyjump',
  'hostkeyalias',
];

const value = fc.oneof(
  hostileText,
  fc.constantFrom(
    'none',
    'yes',
    'no',
    'true',
    '0',
    '22',
    '-1',
    '99999999999999999999',
    '%d/%r/%h',
    `$\{NOPE}`, // an unset ${VAR}, spelled so it is not read as a template
  ),
  fc.constantFrom('~/.ssh/id_%', '%', '${', '$HOME', '~', '%C', '%i/%k/%L/%l/%n/%p/%u'),
);
const keyLine = fc
  .tuple(fc.constantFrom(...KEYS), fc.constantFrom(' ', '\t', '  '), value)
  .map(([key, space, text]) => `${key}${space}${text}`);
const line = fc.oneof(keyLine, hostileText, fc.constant(''));

// Every field bounded by what it came from: no message quoting more than ~a few lines of input.
const MESSAGE_LIMIT = 600;

function parse(stdout: string, alias = 'devserver') {
  const outcome = valueOrTunnelError(() => parseSshG(stdout, alias, local));
  if (!outcome.ok) {
    expect(outcome.error.code).toBe('SSH_CONFIG');
    expect(outcome.error.message.length).toBeLessThan(MESSAGE_LIMIT + alias.length);
  }
  return outcome;
}

describe('parseSshG on hostile `ssh -G` output', () => {
  it('returns a target or an SSH_CONFIG error for random lines, LF or CRLF', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.boolean(), (lines, crlf) => {
        parse(joinLines(lines, crlf));
      }),
      { numRuns: 400 },
    );
  });

  it('parses a valid core whatever garbage surrounds it (missing keys fall back to defaults)', () => {
    fc.assert(
      fc.property(
        fc.array(keyLine, { maxLength: 10 }),
        fc.array(nonUtf8Text, { maxLength: 5 }),
        fc.boolean(),
        (noise, binary, crlf) => {
          const lines = ['hostname dev.example', 'user me', 'port 2222', ...noise, ...binary];
          const outcome = parse(joinLines(lines, crlf));
          // The first hostname/user/port win, as ssh's own first-match rule; -G prints each once.
          if (outcome.ok) {
            expect(outcome.value.hostName).toBe('dev.example');
            expect(outcome.value.user).toBe('me');
            expect(outcome.value.port).toBe(2222);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports missing hostname or user as SSH_CONFIG, never a TypeError', () => {
    fc.assert(
      fc.property(fc.array(keyLine, { maxLength: 10 }), (lines) => {
        const stdout = lines.filter((text) => !/^(hostname|user)\s/.test(text)).join('\n');
        const outcome = parse(stdout);
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps errors short when a value is huge', () => {
    const huge = 'x'.repeat(200_000);
    for (const key of ['port', 'connecttimeout', 'serveraliveinterval', 'serveralivecountmax']) {
      const outcome = parse(`hostname h\nuser u\n${key} ${huge}9\n`);
      expect(outcome.ok).toBe(false);
    }
    const badToken = parse(`hostname h\nuser u\nidentityagent ${huge}%Q\n`);
    expect(badToken.ok).toBe(false);
    const long = parse(`hostname ${huge}\nuser ${huge}\nidentityfile ${huge}\nproxycommand ${huge}\n`);
    expect(long.ok).toBe(true);
  });

  it('survives a hostile alias (it is only echoed into messages)', () => {
    fc.assert(
      fc.property(hostileText, fc.array(line, { maxLength: 5 }), (alias, lines) => {
        parse(lines.join('\n'), alias);
      }),
      { numRuns: 200 },
    );
  });
});
