import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  k3dDockerApi,
  k3dReleaseFor,
  runtimeError,
  runtimeFailure,
} from '../../../src/remote/k3d-runtime.js';

describe('runtimeFailure', () => {
  it("finds the docker client's words inside k3d's error chain, coloured or not", () => {
    const down =
      "\u001b[31mFATA\u001b[0m[0000] runtime failed to list nodes: docker failed to get containers with labels 'map[app:k3d]': failed to list containers: Cannot connect to the Docker daemon at unix:///run/user/1000/docker.sock. Is the docker daemon running?";
    expect(runtimeFailure(down)).toEqual({
      kind: 'docker-down',
      address: 'unix:///run/user/1000/docker.sock',
    });
    // The older client's wording names no address.
    expect(
      runtimeFailure('Cannot connect to the Docker daemon. Is the docker daemon running on this host?'),
    ).toEqual({
      kind: 'docker-down',
      address: undefined,
    });
    expect(
      runtimeFailure(
        'Error response from daemon: client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version',
      ),
    ).toEqual({ kind: 'api-too-old', clientApi: '1.43', minApi: '1.44' });
    expect(runtimeFailure('FATA[0000] No nodes found for given cluster')).toBeUndefined();
  });

  it("reads the moby client's newer wording (docker 29's client) and a socket that refuses the user", () => {
    expect(
      runtimeFailure(
        'failed to list containers: failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon is running: dial unix /var/run/docker.sock: connect: no such file or directory',
      ),
    ).toEqual({ kind: 'docker-down', address: 'unix:///var/run/docker.sock' });
    const denied =
      "ERRO[0000] Failed to get nodes for cluster 'my-app': docker failed to get containers with labels 'map[k3d.cluster:my-app]': failed to list containers: permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.51/containers/json\": dial unix /var/run/docker.sock: connect: permission denied";
    expect(runtimeFailure(denied)).toEqual({ kind: 'denied', address: 'unix:///var/run/docker.sock' });
    expect(
      runtimeFailure(
        'permission denied while trying to connect to the docker API at unix:///var/run/docker.sock',
      ),
    ).toEqual({ kind: 'denied', address: 'unix:///var/run/docker.sock' });
  });

  it('never carries control characters of a hostile address into a message', () => {
    const failure = runtimeFailure(
      'Cannot connect to the Docker daemon at tcp://x\u001b]0;pwned\u0007y. Is the docker daemon running?',
    );
    expect(JSON.stringify(failure)).not.toMatch(/\\u001b|\\u0007/);
  });
});

describe("k3d's vendored docker client", () => {
  it.each([
    ['v5.0.0', '1.41'],
    ['v5.4.8', '1.41'],
    ['v5.4.9', '1.42'],
    ['v5.5.1', '1.42'],
    ['v5.5.2', '1.43'],
    ['v5.6.0', '1.43'],
    ['v5.6.1', '1.45'],
    ['v5.7.4', '1.46'],
    ['v5.9.0', '1.51'],
    ['v5.9.0-rc.0', '1.51'],
  ])('k3d %s speaks Docker API %s (go.mod github.com/docker/docker)', (version, api) => {
    expect(k3dDockerApi(version)).toBe(api);
  });

  it('knows nothing of what is not a k3d v5 version', () => {
    expect(k3dDockerApi(undefined)).toBeUndefined();
    expect(k3dDockerApi('v4.4.8')).toBeUndefined();
    expect(k3dDockerApi('dev')).toBeUndefined();
    expect(compareVersions('1.43', '1.44')).toBe(-1);
    expect(compareVersions('1.100', '1.44')).toBe(1);
  });

  it('reads a build suffix as its release (v5.6.1+dirty is v5.6.1)', () => {
    expect(k3dDockerApi('v5.6.1+dirty')).toBe('1.45');
    expect(compareVersions('v5.6.1+dirty', 'v5.6.1')).toBe(0);
  });

  it('names the first k3d release whose docker client the engine accepts', () => {
    expect(k3dReleaseFor('1.44')).toBe('v5.6.1');
    expect(k3dReleaseFor('1.47')).toBe('v5.9.0');
    expect(k3dReleaseFor('1.24')).toBe('v5.0.0');
    expect(k3dReleaseFor('1.52')).toBeUndefined();
    const context = { host: 'devbox', k3dVersion: 'v5.6.1' };
    const newer = runtimeError({ kind: 'api-too-old', clientApi: '1.45', minApi: '1.47' }, context);
    expect(newer.message).toBe(
      'k3d v5.6.1 on devbox is too old for this docker engine (it speaks Docker API 1.45; the engine needs 1.47 or later).',
    );
    expect(newer.hint).toContain('Upgrade k3d on the dev server to v5.9.0 or later');
    const unknown = runtimeError({ kind: 'api-too-old', clientApi: '1.51', minApi: '1.52' }, context);
    expect(unknown.hint).toContain('Upgrade k3d on the dev server to its latest release');
  });
});

describe('runtimeError hints', () => {
  it('sends the user to the engine host when k3d dialed another machine, and checks through the login shell', () => {
    const context = { host: 'devbox', k3dVersion: 'v5.8.3', shell: '/bin/bash' };
    const remote = runtimeError({ kind: 'docker-down', address: 'tcp://build:2375' }, context);
    expect(remote.message).toContain('could not reach the docker engine at tcp://build:2375');
    expect(remote.hint).toContain('Start docker on build (the engine k3d dials; not devbox)');
    expect(remote.hint).not.toContain('systemctl');
    expect(remote.hint).toContain(`ssh devbox 'bash -lc "docker info"'`);
    const local = runtimeError({ kind: 'docker-down', address: 'unix:///var/run/docker.sock' }, context);
    expect(local.hint).toContain('ssh devbox sudo systemctl start docker');
  });
});
