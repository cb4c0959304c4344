import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import {
  classifyImportOutput,
  groupK3dLog,
  importSucceeded,
  parseClusterNodes,
} from '../../../src/remote/k3d-import-output.js';
import { parseCrictlImages } from '../../../src/remote/node-images.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

// logrus with ForceColors (docs/reference/k3d.md §4.1): a multi-line message keeps its newlines, the padding and the
// trailing space come after the whole message.
const LEVELS = { INFO: 36, WARN: 33, ERRO: 31, FATA: 31 } as const;
const line = (level: keyof typeof LEVELS, message: string, seconds = '0004') =>
  `\u001b[${LEVELS[level]}m${level}\u001b[0m[${seconds}] ${message.padEnd(44)} \n`;

const TAR = '/k3d/images/k3d-my-app-images-20260101100004-file-tunnel-image-Ab12Cd34Ef';
const ATTESTATION = `sha256:${'9a'.repeat(32)}`;
const INDEX = `sha256:${'4e'.repeat(32)}`;
const nodeError = (node: string, ctr: string) =>
  `failed to import images in node '${node}': Exec process in node '${node}' failed with exit code '1': ` +
  `Logs from failed access process:\n${ctr}\n`;
const DIGEST_NOISE = `unpacking docker.io/library/myapp:1.0 (${INDEX})...ctr: content digest ${ATTESTATION}: not found`;

// docs/reference/k3d.md §4.5, tools-node mode with a tar file (pkg/client/tools.go importWithToolsNode).
const STDOUT = [
  line('INFO', "Importing image(s) into cluster 'my-app'", '0000'),
  line('INFO', 'Starting new tools node...', '0000'),
  line('INFO', "Starting node 'k3d-my-app-tools'", '0000'),
  line('INFO', 'Saving 1 tarball(s) to shared image volume...', '0001'),
  line('INFO', 'Importing images into nodes...'),
  line('INFO', `Importing images from tarball '${TAR}' into node 'k3d-my-app-agent-0'...`),
  line('INFO', `Importing images from tarball '${TAR}' into node 'k3d-my-app-server-0'...`),
  line('INFO', 'Removing the tarball(s) from image volume...', '0007'),
  line('INFO', 'Removing k3d-tools node...', '0007'),
  line('INFO', 'Successfully imported image(s)', '0008'),
  line('INFO', 'Successfully imported 1 image(s) into 1 cluster(s)', '0008'),
].join('');

describe('groupK3dLog', () => {
  it('joins the bare lines of a multi-line ERRO to it', () => {
    const entries = groupK3dLog(line('ERRO', nodeError('k3d-my-app-server-0', DIGEST_NOISE)));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toEqual({
      level: 'ERRO',
      text: `${nodeError('k3d-my-app-server-0', DIGEST_NOISE).trimEnd()}`,
    });
  });
});

describe('classifyImportOutput', () => {
  it('keeps each line of a megabyte-long k3d line bounded and redacted', () => {
    const long = `ERRO[0001] failed: K3S_TOKEN=abcdefghijklmnop ${'x'.repeat(1024 * 1024)}`;
    const output = classifyImportOutput(long, `${long}\nWARN[0002] ${'y'.repeat(1024 * 1024)}`, 1);
    for (const text of [...output.lines, ...output.errors, ...output.warnings]) {
      expect(text.length).toBeLessThanOrEqual(4097);
      expect(text).not.toContain('abcdefghijklmnop');
    }
    expect(output.errors).toHaveLength(1);
  });

  it('a clean import: nothing but INFO, success', () => {
    const output = classifyImportOutput(STDOUT, '', 0);
    expect(output).toMatchObject({ code: 0, noise: [], errors: [], warnings: [] });
    expect(importSucceeded(output)).toBe(true);
    expect(output.lines).toContain('INFO[0008] Successfully imported 1 image(s) into 1 cluster(s)');
  });

  it('collapses the ctr "content digest … not found" ERRO lines (k3d #1538) into noise: still a success', () => {
    const stderr =
      line('ERRO', nodeError('k3d-my-app-agent-0', DIGEST_NOISE), '0006') +
      line('ERRO', nodeError('k3d-my-app-server-0', DIGEST_NOISE), '0006');
    const output = classifyImportOutput(STDOUT, stderr, 0);
    expect(output.noise.map((noise) => noise.node)).toEqual(['k3d-my-app-agent-0', 'k3d-my-app-server-0']);
    expect(output.noise[0]?.text).toContain(`ctr: content digest ${ATTESTATION}: not found`);
    expect(output.errors).toEqual([]);
    expect(importSucceeded(output)).toBe(true);
    // --verbose shows every line, the ctr continuation included.
    expect(output.lines.some((text) => text.startsWith('unpacking docker.io/library/myapp:1.0'))).toBe(true);
  });

  it('treats any other per-node ERRO as a real failure, although k3d exits 0', () => {
    const full = `unpacking docker.io/library/myapp:1.0 (${INDEX})...ctr: failed to ingest: no space left on device`;
    const stderr =
      line('ERRO', nodeError('k3d-my-app-agent-0', DIGEST_NOISE), '0006') +
      line('ERRO', nodeError('k3d-my-app-server-0', full), '0006');
    const output = classifyImportOutput(STDOUT, stderr, 0);
    expect(output.noise).toHaveLength(1);
    expect(output.errors).toHaveLength(1);
    expect(output.errors[0]).toMatch(/^failed to import images in node 'k3d-my-app-server-0'/);
    expect(output.errors[0]).toContain('no space left on device');
    expect(importSucceeded(output)).toBe(false);
  });

  it('a missing archive: WARN + ERRO + WARN and exit 1', () => {
    const stderr =
      line(
        'WARN',
        "Image '/tmp/tunnel-image-x' is not a file and couldn't be found in the container runtime",
        '0000',
      ) +
      line('ERRO', "Failed to import image(s) into cluster 'my-app': no valid images specified", '0000') +
      line(
        'WARN',
        'At least one error occured while trying to import the image(s) into the selected cluster(s)',
        '0000',
      );
    const output = classifyImportOutput(
      line('INFO', "Importing image(s) into cluster 'my-app'", '0000'),
      stderr,
      1,
    );
    expect(output.warnings).toHaveLength(2);
    expect(output.errors).toEqual([
      "Failed to import image(s) into cluster 'my-app': no valid images specified",
    ]);
    expect(importSucceeded(output)).toBe(false);
  });

  it('a FATA is never noise, and a non-zero exit fails even without an ERRO line', () => {
    const fatal = classifyImportOutput(
      '',
      line('FATA', 'failed to get cluster nope: No nodes found for given cluster'),
      1,
    );
    expect(fatal.errors).toEqual(['failed to get cluster nope: No nodes found for given cluster']);
    expect(importSucceeded(classifyImportOutput(STDOUT, '', 1))).toBe(false);
    expect(importSucceeded(classifyImportOutput(STDOUT, '', null))).toBe(false);
  });

  it('reads the logfmt form (LOG_COLORS=false on the server) the same way', () => {
    const message = nodeError('k3d-my-app-server-0', DIGEST_NOISE).trimEnd();
    const stderr = `time="2026-01-01T10:00:06Z" level=error msg=${JSON.stringify(message)}\n`;
    expect(classifyImportOutput('', stderr, 0).noise).toHaveLength(1);
  });
});

describe('parseClusterNodes', () => {
  const list = fixture('k3d/cluster-list.json');

  it('lists the server and agent containers of one cluster, not the serverlb', () => {
    expect(parseClusterNodes(list, 'my-app')).toEqual([
      { name: 'k3d-my-app-agent-0', role: 'agent', running: true },
      { name: 'k3d-my-app-server-0', role: 'server', running: true },
    ]);
    expect(parseClusterNodes(list, 'legacy')).toEqual([
      { name: 'k3d-legacy-server-0', role: 'server', running: false },
    ]);
    expect(parseClusterNodes(list, 'nope')).toEqual([]);
    expect(parseClusterNodes('[]\n', 'my-app')).toEqual([]);
  });

  it('refuses what is not k3d JSON, and node names docker would not have', () => {
    expect(() => parseClusterNodes('{"name":"x"}', 'x')).toThrow(TunnelError);
    expect(() => parseClusterNodes('not json', 'x')).toThrow(/not JSON/);
    const hostile = JSON.stringify([{ name: 'x', nodes: [{ name: '--privileged', role: 'server' }] }]);
    expect(() => parseClusterNodes(hostile, 'x')).toThrow(/not a docker container name/);
  });
});

describe('parseCrictlImages', () => {
  it('reads the repo tags of `crictl images -o json`', () => {
    const stdout = JSON.stringify(
      {
        images: [
          {
            id: `sha256:${'1f'.repeat(32)}`,
            repoTags: ['docker.io/rancher/mirrored-pause:3.6'],
            repoDigests: [],
            size: '301463',
            uid: null,
            username: '',
            spec: null,
            pinned: true,
          },
          { id: `sha256:${'2e'.repeat(32)}`, repoTags: ['docker.io/library/myapp:1.0'], size: '4096' },
          { id: `sha256:${'3d'.repeat(32)}`, repoDigests: ['docker.io/library/x@sha256:00'], size: '1' },
        ],
      },
      null,
      2,
    );
    expect(parseCrictlImages(stdout)).toEqual([
      'docker.io/rancher/mirrored-pause:3.6',
      'docker.io/library/myapp:1.0',
    ]);
    expect(parseCrictlImages('{}\n')).toEqual([]);
  });

  it('says so when crictl printed something else', () => {
    expect(() => parseCrictlImages('FATA[0000] unable to connect')).toThrow(/Unexpected output from crictl/);
    expect(() => parseCrictlImages('{"images":3}')).toThrow(TunnelError);
  });
});
