import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyCreateFailure, classifyDelete, progressMessage } from '../../../src/remote/k3d-outcome.js';

// k3d v5.9 output (docs/reference/k3d.md §4.2-§4.4): logrus text lines with forced colours.
const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');

describe('progressMessage', () => {
  it('shows k3d INFO steps in order, drops the kubectl hints and the "You can now use it" line', () => {
    const shown = fixture('create-success.stdout.txt')
      .split('\n')
      .map(progressMessage)
      .filter((message) => message !== undefined);
    expect(shown[0]).toBe('Prep: Network');
    expect(shown).toContain("Created network 'k3d-my-app'");
    expect(shown).toContain("Starting node 'k3d-my-app-server-0'");
    expect(shown.at(-1)).toBe("Cluster 'my-app' created successfully!");
    expect(shown.join('\n')).not.toMatch(/kubectl|KUBECONFIG|You can now/);
  });

  it('marks warnings and leaves errors to the final message', () => {
    expect(progressMessage('\u001b[33mWARN\u001b[0m[0001] No node filter specified ')).toBe(
      'warning: No node filter specified',
    );
    expect(
      progressMessage('\u001b[31mERRO\u001b[0m[0015] Failed to create cluster >>> Rolling Back '),
    ).toBeUndefined();
  });
});

describe('classifyCreateFailure', () => {
  it("a port another container holds: the port, docker's words, and that k3d rolled back", () => {
    expect(
      classifyCreateFailure(
        fixture('create-port-allocated.stdout.txt'),
        fixture('create-port-allocated.stderr.txt'),
      ),
    ).toEqual({
      kind: 'port-in-use',
      port: 8080,
      rollback: 'done',
      detail: 'Bind for 0.0.0.0:8080 failed: port is already allocated',
    });
  });

  it('a port a host process holds (userland proxy wording)', () => {
    const failure = classifyCreateFailure(
      fixture('create-port-allocated.stdout.txt'),
      fixture('create-address-in-use.stderr.txt'),
    );
    expect(failure).toMatchObject({ kind: 'port-in-use', port: 8080, rollback: 'done' });
    expect(failure.detail).toBe(
      'Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use',
    );
  });

  it('the name taken, before anything was created', () => {
    expect(classifyCreateFailure('', fixture('create-name-taken.stderr.txt'))).toMatchObject({
      kind: 'name-taken',
      rollback: 'none',
    });
  });

  it("a failed rollback (docker down: its classification is runtimeFailure's)", () => {
    const stderr = [
      '\u001b[31mERRO\u001b[0m[0000] Failed Cluster Preparation: Failed Network Preparation: failed to create cluster network: docker failed to list networks: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running? ',
      '\u001b[31mERRO\u001b[0m[0000] Failed to create cluster >>> Rolling Back    ',
      '\u001b[31mFATA\u001b[0m[0000] Cluster creation FAILED, also FAILED to rollback changes! ',
    ].join('\n');
    expect(classifyCreateFailure('', stderr)).toMatchObject({ rollback: 'failed' });
  });

  it("a configuration k3d refuses, and anything else with k3d's last words", () => {
    const invalid = classifyCreateFailure(
      '',
      '\u001b[31mFATA\u001b[0m[0000] Failed Cluster Configuration Validation:  Invalid cluster name. name a_b is not a valid hostname as per RFC 1123 ',
    );
    expect(invalid.kind).toBe('invalid-config');
    expect(classifyCreateFailure('', 'bash: k3d: command not found\n')).toEqual({
      kind: 'other',
      port: undefined,
      rollback: 'none',
      detail: 'bash: k3d: command not found',
    });
  });
});

describe('classifyDelete', () => {
  it('deleted, or not there (k3d exits 0 either way)', () => {
    expect(classifyDelete(fixture('delete-success.stdout.txt'), '', 0)).toEqual({ kind: 'deleted' });
    expect(classifyDelete(fixture('delete-not-found.stdout.txt'), '', 0)).toEqual({ kind: 'not-found' });
  });

  it("a failure keeps k3d's words", () => {
    expect(
      classifyDelete('', '\u001b[31mFATA\u001b[0m[0000] failed to delete cluster: permission denied ', 1),
    ).toEqual({ kind: 'failed', detail: 'failed to delete cluster: permission denied' });
  });
});
