// The one redactor every remote line passes before it becomes an error or a log line: what a key,
// certificate, token or password looks like in k3d's, docker's and the API's output never survives it,
// and the ordinary words of an error (paths, ports, digests, fingerprints, names) are left as they were.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { formatLogLine, stderrLogger } from '../../src/log.js';
import { escapeControls, redactSecrets, remoteText, stderrLines } from '../../src/redact.js';
import { classifyCreateFailure, progressMessage } from '../../src/remote/k3d-outcome.js';
import { summarizeK3dError } from '../../src/remote/k3d-parse.js';

const base64Of = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => Buffer.from(bytes).toString('base64'));
const token = fc.stringMatching(/^[A-Za-z0-9]{12,40}$/);
const ordinaryWord = fc.constantFrom(
  'k3d',
  'cluster',
  'list',
  'exited',
  'with',
  '1:',
  'Failed',
  'to',
  'get',
  'nodes',
  'for',
  "'my-app':",
  '/home/dev/.local/bin/k3d',
  '127.0.0.1:16443',
  '0.0.0.0:8080',
  'docker.io/rancher/k3s:v1.31.5-k3s1',
  'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
  'k3d-my-app-server-0',
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.',
  'https://k3d.io',
  'ssh://dev@devserver:22',
  '(exit',
  '127)',
  'port is already allocated',
);
const ordinaryText = fc.array(ordinaryWord, { minLength: 1, maxLength: 20 }).map((words) => words.join(' '));
const around = fc.tuple(ordinaryText, ordinaryText);

function pem(label: string, body: string): string {
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

describe('redactSecrets', () => {
  it('removes every line of a PEM block, raw or JSON-escaped, whole or cut before its END', () => {
    fc.assert(
      fc.property(base64Of(64, 600), around, fc.boolean(), (body, [before, after], cut) => {
        const block = pem('EC PRIVATE KEY', body);
        const shown = cut ? block.slice(0, block.length - 30) : block;
        for (const text of [`${before} ${shown} ${after}`, JSON.stringify(`${before}${shown}${after}`)]) {
          const out = redactSecrets(text);
          expect(out).not.toContain(body.slice(0, 32));
          expect(out).not.toContain(body.slice(-20));
          expect(out).toContain(before.slice(0, 10));
        }
      }),
    );
  });

  it("removes the value of a kubeconfig's *-data fields, in YAML and in JSON", () => {
    const field = fc.constantFrom('client-key-data', 'client-certificate-data', 'certificate-authority-data');
    fc.assert(
      fc.property(field, base64Of(24, 400), around, (name, value, [before, after]) => {
        for (const text of [
          `${before}\n    ${name}: ${value}\n${after}`,
          `${before} {"${name}":"${value}"} ${after}`,
          `${before} {\\"${name}\\":\\"${value}\\"} ${after}`,
        ]) {
          const out = redactSecrets(text);
          expect(out).not.toContain(value);
          expect(out).toContain(name);
        }
      }),
    );
  });

  it('removes tokens after K3S_TOKEN=, token:, --token, Bearer, and passwords in URLs', () => {
    fc.assert(
      fc.property(token, around, (secret, [before, after]) => {
        const texts = [
          `${before} "env":["K3S_TOKEN=${secret}","K3S_URL=https://k3d-x-server-0:6443"] ${after}`,
          `${before} "k3d.cluster.token":"${secret}" ${after}`,
          `${before} "clusterToken": "${secret}" ${after}`,
          `${before} token: ${secret}\n${after}`,
          `${before} k3s server --token ${secret} ${after}`,
          `${before} Authorization: Bearer ${secret} ${after}`,
          `${before} https://dev:${secret}@registry.example.com/v2/ ${after}`,
          `${before} password=${secret}; ${after}`,
        ];
        for (const text of texts) expect(redactSecrets(text)).not.toContain(secret);
      }),
    );
  });

  it('removes a long bare base64 blob (a key or certificate line on its own)', () => {
    fc.assert(
      fc.property(base64Of(96, 600), around, (blob, [before, after]) => {
        const out = redactSecrets(`${before} ${blob} ${after}`);
        expect(out).not.toContain(blob.slice(0, 24));
        expect(out).toContain(`${before} [redacted] ${after}`);
      }),
    );
  });

  it('keeps ordinary error text as it was', () => {
    fc.assert(
      fc.property(ordinaryText, (text) => {
        expect(redactSecrets(text)).toBe(text);
      }),
    );
  });

  it('is idempotent on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const once = redactSecrets(text);
        expect(redactSecrets(once)).toBe(once);
      }),
    );
  });

  it('removes a quoted value whole, spaces and escaped quotes included, in every quoting', () => {
    const words = fc.array(fc.stringMatching(/^[A-Za-z0-9]{3,12}$/), { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(words, around, (parts, [before, after]) => {
        const value = parts.join(' ');
        for (const text of [
          `${before}\nK3S_TOKEN: "${value}"\n${after}`,
          `${before}\npassword: '${value}'\n${after}`,
          `${before} {"token":"${value}"} ${after}`,
          `${before} {\\"token\\":\\"${value}\\"} ${after}`,
          `${before} secret="${parts.join('\\" ')}" ${after}`,
        ]) {
          const out = redactSecrets(text);
          // A word that also stands in the text around it (or in a key name) proves nothing either way.
          const context = `${before} ${after} K3S_TOKEN password token secret [redacted]`;
          for (const part of parts.filter((word) => !context.includes(word))) expect(out).not.toContain(part);
          expect(out).toContain('[redacted]');
          expect(out).toContain(after);
        }
      }),
    );
  });

  it('removes a full k3s token, K10<CA hash>::server:<password>, the password too', () => {
    const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
    fc.assert(
      fc.property(
        hex(64),
        hex(32),
        fc.constantFrom('server', 'node'),
        around,
        (ca, password, user, [before, after]) => {
          const full = `K10${ca}::${user}:${password}`;
          for (const text of [
            `${before} ${full} ${after}`,
            `${before} --token ${full} ${after}`,
            `"${full}"`,
          ]) {
            const out = redactSecrets(text);
            expect(out).not.toContain(password);
            expect(out).not.toContain(ca.slice(0, 20));
          }
          expect(redactSecrets(`${before} ${full} ${after}`)).toBe(`${before} [redacted] ${after}`);
        },
      ),
    );
  });

  it('redacts the real shapes: a whole kubeconfig and a cluster JSON line', () => {
    const key = randomBytes(180).toString('base64');
    const kubeconfig = `apiVersion: v1\nusers:\n- name: admin@k3d-x\n  user:\n    client-key-data: ${key}\n`;
    expect(redactSecrets(kubeconfig)).toBe(
      'apiVersion: v1\nusers:\n- name: admin@k3d-x\n  user:\n    client-key-data: [redacted]\n',
    );
    const json = `[{"name":"x","nodes":[{"env":["K3S_TOKEN=SsAgwuEkUqhWzazQnHqN","K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml"]}]}]`;
    const out = redactSecrets(json);
    expect(out).not.toContain('SsAgwuEkUqhWzazQnHqN');
    expect(out).toContain('K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml');
  });
});

describe('remoteText', () => {
  it('leaves no terminal control, bidi override or line break, and stays bounded', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 800 }),
        fc.integer({ min: 10, max: 600 }),
        (text, max) => {
          const out = remoteText(text, max);
          expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
          expect(out.length).toBeLessThanOrEqual(max + 1);
        },
      ),
    );
  });

  it('escapes visibly: ESC, OSC, C1 CSI, a newline and RLO each show as an escape', () => {
    expect(escapeControls('a\x1b]52;c;aGk=\x07b\u009b2Jc\nd\u202ee')).toBe(
      'a\\x1b]52;c;aGk=\\x07b\\x9b2Jc\\x0ad\\u202ee',
    );
  });
});

describe('the logger', () => {
  it('redacts every string field and the message of a JSON log line', () => {
    const key = randomBytes(120).toString('base64');
    const error = new Error(`k3d exited with 1: client-key-data: ${key}`);
    const line = formatLogLine('error', `failed: K3S_TOKEN=abcdefghijklmnop`, {}, { error, detail: { key } });
    expect(line).not.toContain(key.slice(0, 30));
    expect(line).not.toContain('abcdefghijklmnop');
    expect(JSON.parse(line).error).toBe('k3d exited with 1: client-key-data: [redacted]');
  });
});

// Hostile single lines: a long run of one character, of base64, of what starts a PEM block or a flag. A
// pattern retried from every position of such a run is quadratic (64 KiB took 15 s; 1 MiB would never
// finish), so these only return if every pattern is linear; the asserts check what the user sees.
describe('a megabyte on one line from the dev server', () => {
  const megabyte = 1024 * 1024;
  const runs = [
    'a'.repeat(megabyte),
    `client-key-data: ${'a'.repeat(megabyte)}`,
    '-'.repeat(megabyte),
    '-----BEGIN '.repeat(megabyte / 11),
    'a.'.repeat(megabyte / 2),
    'eyJ-'.repeat(megabyte / 4),
    'token:"'.repeat(megabyte / 8),
    randomBytes((megabyte * 3) / 4).toString('base64'),
  ];

  it('remoteText returns it redacted and bounded', () => {
    for (const run of [...runs, ...runs.map((text) => text.slice(0, 64 * 1024))]) {
      const out = remoteText(run);
      expect(out.length).toBeLessThanOrEqual(501);
    }
    expect(remoteText(`K3S_TOKEN=${'S3cr3tXyZ'.repeat(7000)}`)).toBe('K3S_TOKEN=[redacted]');
  });

  it('a log line keeps at most 4096 characters of each string, redacted', () => {
    for (const run of runs) {
      const line = formatLogLine('error', run, {}, { error: new Error(run), detail: run });
      const parsed = JSON.parse(line);
      for (const value of [parsed.message, parsed.error, parsed.detail]) {
        expect(value.length).toBeLessThanOrEqual(4097);
        expect(value).toMatch(/…$|\[redacted\]/);
      }
    }
    const key = randomBytes(600_000).toString('base64');
    expect(JSON.parse(formatLogLine('warn', `client-key-data: ${key}`, {})).message).toBe(
      'client-key-data: [redacted]',
    );
  });

  it('the terminal logger writes one bounded, redacted, escaped line', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const log = stderrLogger(false);
      for (const run of runs) log('warn', run);
      log('warn', `cluster \x1b]52;c;aGk=\x07 down\nfake: line K3S_TOKEN=abcdefghijkl`);
    } finally {
      spy.mockRestore();
    }
    for (const line of written) {
      expect(line.length).toBeLessThanOrEqual(4097 + 'warn: \n'.length);
      expect(line.indexOf('\n')).toBe(line.length - 1);
    }
    expect(written.at(-1)).toBe(
      'warn: cluster \\x1b]52;c;aGk=\\x07 down\\x0afake: line K3S_TOKEN=[redacted]\n',
    );
  });
});

describe("k3d's words on their way to the user", () => {
  const secret = 'SsAgwuEkUqhWzazQnHqN';
  const key = randomBytes(120).toString('base64');

  it('the failure summary, the create-failure detail and progress lines carry no token or key', () => {
    const stderr = `INFO[0000] Prep: Network\nERRO[0003] Failed to start server with env K3S_TOKEN=${secret}\n`;
    expect(summarizeK3dError(stderr)).toBe('Failed to start server with env K3S_TOKEN=[redacted]');
    expect(summarizeK3dError(`    client-key-data: ${key}\n`)).toBe('client-key-data: [redacted]');
    expect(classifyCreateFailure('', stderr).detail).not.toContain(secret);
    expect(progressMessage(`INFO[0001] Starting node with --token ${secret}`)).toBe(
      'Starting node with --token [redacted]',
    );
    const long = progressMessage(`WARN[0002] ${'unable to pull '.repeat(70_000)}`) ?? '';
    expect(long.startsWith('warning: unable to pull')).toBe(true);
    expect(long.length).toBeLessThanOrEqual('warning: '.length + 501);
  });
});

describe('stderrLines', () => {
  it('ends a line at CRLF, lone CR and LF alike, dropping blank lines and trailing blanks', () => {
    expect(stderrLines('a\r\nb\rc\n\r\n  d  \r\n')).toEqual(['a', 'b', 'c', '  d']);
    expect(stderrLines('')).toEqual([]);
  });
});
