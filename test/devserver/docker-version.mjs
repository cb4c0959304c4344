// What `docker version` reports for the simulated engine (client and server build data; the server is null
// when the engine is down), as the `{{json .}}` template sees it. Split from docker.mjs so that file keeps to
// argument handling and printing.
import os from 'node:os';

export function versionData(world) {
  const { docker, dockerApi } = world.versions;
  const client = {
    Version: docker,
    ApiVersion: dockerApi,
    DefaultAPIVersion: dockerApi,
    GitCommit: 'e180ab8',
    GoVersion: 'go1.24.8',
    Os: 'linux',
    Arch: 'amd64',
    BuildTime: 'Wed Oct  8 12:17:26 2025',
    Context: 'default',
  };
  const server = {
    Platform: { Name: 'Docker Engine - Community' },
    Version: docker,
    ApiVersion: dockerApi,
    MinAPIVersion: world.versions.dockerMinApi ?? '1.24',
    GitCommit: 'f8215cc',
    GoVersion: 'go1.24.8',
    Os: 'linux',
    Arch: 'amd64',
    KernelVersion: os.release(),
    BuildTime: '2025-10-08T12:17:26.000000000+00:00',
  };
  return { Client: client, Server: world.engine.running ? server : null };
}
