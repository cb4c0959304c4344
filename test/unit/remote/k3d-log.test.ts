import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseK3dLogLine,
  parseK3dVersion,
  parseKubeconfigGetOutput,
  stripAnsi,
  summarizeK3dError,
} from '../../../src/remote/k3d-parse.js';

// logrus with ForceColors: ESC[<c>m LEVEL ESC[0m [SSSS] message padded to 44 chars + a space.
const coloured = (code: number, level: string, seconds: string, message: string) =>
  `\u001b[${code}m${level}\u001b[0m[${seconds}] ${message.padEnd(44)} `;

describe('stripAnsi', () => {
  it('removes colour codes and leaves the text', () => {
    expect(stripAnsi(coloured(36, 'INFO', '0000', 'Prep: Network'))).toBe(
      `INFO[0000] ${'Prep: Network'.padEnd(44)} `,
    );
    expect(stripAnsi('plain')).toBe('plain');
  });
});

describe('parseK3dLogLine', () => {
  it('reads the coloured logrus form k3d prints even without a TTY', () => {
    expect(parseK3dLogLine(coloured(36, 'INFO', '0024', "Cluster 'my-app' created successfully!"))).toEqual({
      level: 'INFO',
      seconds: 24,
      message: "Cluster 'my-app' created successfully!",
    });
    expect(parseK3dLogLine(coloured(31, 'FATA', '0000', 'No nodes found for given cluster'))).toEqual({
      level: 'FATA',
      seconds: 0,
      message: 'No nodes found for given cluster',
    });
    expect(parseK3dLogLine(coloured(33, 'WARN', '0003', 'x')).level).toBe('WARN');
    expect(parseK3dLogLine(coloured(37, 'DEBU', '0001', 'x')).level).toBe('DEBU');
    expect(parseK3dLogLine(coloured(37, 'TRAC', '0001', 'x')).level).toBe('TRAC');
  });

  it('reads the LOG_TIMESTAMPS form without inventing seconds', () => {
    expect(parseK3dLogLine('ERRO[2026-01-01T10:00:00Z] Failed to create cluster >>> Rolling Back')).toEqual({
      level: 'ERRO',
      seconds: undefined,
      message: 'Failed to create cluster >>> Rolling Back',
    });
  });

  it('reads the LOG_COLORS=false logfmt form, quotes and all', () => {
    const line =
      'time="2026-01-01T10:00:00Z" level=fatal msg="Failed to get cluster \\"x\\": No nodes found"';
    expect(parseK3dLogLine(line)).toEqual({
      level: 'FATA',
      seconds: undefined,
      message: 'Failed to get cluster "x": No nodes found',
    });
    expect(parseK3dLogLine('time="t" level=warning msg=short').level).toBe('WARN');
    expect(parseK3dLogLine('level=error msg="no time"').level).toBe('ERRO');
  });

  it('leaves bare lines without a level', () => {
    expect(parseK3dLogLine('kubectl cluster-info')).toEqual({
      level: undefined,
      seconds: undefined,
      message: 'kubectl cluster-info',
    });
    expect(parseK3dLogLine('Error: unknown flag: --foo').level).toBeUndefined();
    // A JSON line that happens to contain logfmt-looking text is not a log line.
    expect(parseK3dLogLine('[{"env":["A=1 level=error msg=x"]}]').level).toBeUndefined();
  });
});

describe('summarizeK3dError', () => {
  it('returns the last FATA or ERRO message without colours', () => {
    const stderr = [
      coloured(
        31,
        'ERRO',
        '0015',
        'Failed Cluster Start: ... Bind for 0.0.0.0:8080 failed: port is already allocated',
      ),
      coloured(31, 'ERRO', '0015', 'Failed to create cluster >>> Rolling Back'),
      coloured(36, 'INFO', '0015', "Deleting cluster 'my-app'"),
      coloured(31, 'FATA', '0016', 'Cluster creation FAILED, all changes have been rolled back!'),
      '',
    ].join('\n');
    expect(summarizeK3dError(stderr)).toBe('Cluster creation FAILED, all changes have been rolled back!');
  });

  it('falls back to the last non-empty line (shell or cobra errors), or nothing', () => {
    expect(summarizeK3dError('bash: line 1: k3d: command not found\n')).toBe(
      'bash: line 1: k3d: command not found',
    );
    expect(summarizeK3dError('')).toBe('');
  });
});

describe('parseK3dVersion', () => {
  it('reads the plain form', () => {
    expect(parseK3dVersion('k3d version v5.9.0\nk3s version v1.31.5-k3s1 (default)\n')).toEqual({
      k3d: 'v5.9.0',
      k3s: 'v1.31.5-k3s1',
    });
  });

  it('reads the -o json form', () => {
    expect(parseK3dVersion('{"k3d":"v5.9.0","k3s":"v1.31.5-k3s1"}\n')).toEqual({
      k3d: 'v5.9.0',
      k3s: 'v1.31.5-k3s1',
    });
  });

  it('gives undefined for what it does not recognise', () => {
    expect(parseK3dVersion('something else')).toEqual({ k3d: undefined, k3s: undefined });
    expect(parseK3dVersion('{"k3d":')).toEqual({ k3d: undefined, k3s: undefined });
  });
});

describe('parseKubeconfigGetOutput', () => {
  it('drops the leading --- line k3d prints', () => {
    expect(parseKubeconfigGetOutput('---\napiVersion: v1\nkind: Config\n')).toBe(
      'apiVersion: v1\nkind: Config\n',
    );
  });

  it("skips k3d's debug lines before it, the two-line Runtime Info message too (LOG_LEVEL=debug)", () => {
    const prefix = readFileSync(
      new URL('../../fixtures/k3d/debug-prefix.stdout.txt', import.meta.url),
      'utf8',
    );
    expect(parseKubeconfigGetOutput(`${prefix}---\napiVersion: v1\nkind: Config\n`)).toBe(
      'apiVersion: v1\nkind: Config\n',
    );
  });

  it("starts at k3d's --- though a multi-line debug message holds key: value lines (Configuration:)", () => {
    const stdout =
      '\u001b[37mDEBU\u001b[0m[0000] Configuration:\nname: x\nservers: 1\n---\napiVersion: v1\nkind: Config\n';
    expect(parseKubeconfigGetOutput(stdout)).toBe('apiVersion: v1\nkind: Config\n');
  });

  it('rejects empty output as K3D_OUTPUT', () => {
    for (const stdout of ['', '---\n', '\n\n']) {
      expect(() => parseKubeconfigGetOutput(stdout)).toThrow(
        expect.objectContaining({
          code: 'K3D_OUTPUT',
          message: expect.stringMatching(/printed no kubeconfig/),
        }),
      );
    }
  });
});
