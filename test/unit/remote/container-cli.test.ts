// podman ignores DOCKER_HOST: it is pointed at k3d's engine with --url when that is a unix socket, and not
// used for an engine it cannot be pointed at (its answers would be about its own store).
import { describe, expect, it } from 'vitest';
import { podmanUrl } from '../../../src/remote/container-cli.js';
import { LOCAL_ENGINE, parseDockerEndpoint } from '../../../src/remote/docker-endpoint.js';

describe("podman's --url for k3d's engine", () => {
  it('names a socket other than the default, which podman would not look at by itself', () => {
    const rootful = parseDockerEndpoint('unix:///run/podman/podman.sock');
    expect(podmanUrl(rootful)).toEqual(['--url', 'unix:///run/podman/podman.sock']);
  });

  it('adds nothing for the default socket or an engine that could not be learnt', () => {
    expect(podmanUrl(parseDockerEndpoint('unix:///var/run/docker.sock'))).toEqual([]);
    expect(podmanUrl(LOCAL_ENGINE)).toEqual([]);
  });

  it('gives up on ssh:// and tcp:// engines', () => {
    expect(podmanUrl(parseDockerEndpoint('ssh://dev@buildbox'))).toBeUndefined();
    expect(podmanUrl(parseDockerEndpoint('tcp://10.0.0.5:2375'))).toBeUndefined();
  });
});
