// k3d's initRuntime (cmd/root.go, run by cobra.OnInitialize before every command): it asks the engine for
// its info and, when that works, logs it at debug level: first GetRuntimePath's `DOCKER_SOCK=…`, then
// `Runtime Info:\n%+v` of a *RuntimeInfo — a message of two lines, the second a bare `&{Name:docker …}`.
// Debug lines go to stdout (k3d's logrus hook), coloured; they show with LOG_LEVEL=debug (or --verbose).
// When the engine cannot be reached (or refuses k3d's API version) Info fails and nothing is logged.
import os from 'node:os';

/** Go's %+v of k3d's runtimeTypes.RuntimeInfo (pkg/runtimes/docker/info.go fills it from `docker info`). */
function runtimeInfoText(world) {
  const fields = [
    ['Name', 'docker'],
    ['Endpoint', process.env.DOCKER_SOCK || '/var/run/docker.sock'],
    ['Version', world.versions.docker],
    ['OSType', 'linux'],
    ['OS', 'Debian GNU/Linux 12 (bookworm)'],
    ['Arch', os.arch() === 'arm64' ? 'aarch64' : 'x86_64'],
    ['CgroupVersion', '2'],
    ['CgroupDriver', 'systemd'],
    ['Filesystem', 'extfs'],
    ['InfoName', 'devserver'],
  ];
  return `&{${fields.map(([key, value]) => `${key}:${value}`).join(' ')}}`;
}

export function logRuntimeInfo(log, world) {
  if (world.engine?.running === false) return;
  log.debug(`DOCKER_SOCK=${process.env.DOCKER_SOCK || '/var/run/docker.sock'}`);
  log.debug(`Runtime Info:\n${runtimeInfoText(world)}`);
}
