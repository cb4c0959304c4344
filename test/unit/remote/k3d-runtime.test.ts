import { describe, expect, it } from 'vitest';
import { compareVersions, k3dDockerApi, runtimeFailure } from '../../../src/remote/k3d-runtime.js';

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
});
