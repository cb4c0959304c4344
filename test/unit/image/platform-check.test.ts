// choosePlatform with the dev server's `docker info` / `podman info` answers as those tools print them and a
// stand-in for this machine's `docker image inspect --platform`.
import { describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { choosePlatform } from '../../../src/image/platform-check.js';
import { parseImageReference } from '../../../src/image/reference.js';
import type { PushEvent, PushWork } from '../../../src/image/types.js';
import type { ContainerCli } from '../../../src/remote/container-cli.js';
import { enginePlatform } from '../../../src/remote/node-images.js';
import type { ExecResult, SshLink } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const program = { path: '/usr/bin/docker', foundVia: 'PATH' as const, command: ['/usr/bin/docker'] };

function setup(info: Partial<ExecResult>, image: string | undefined, holds: string[] = []) {
  const calls: string[][] = [];
  const events: PushEvent[] = [];
  const ssh = {
    target: sshTarget({ alias: 'devserver' }),
    exec: async (argv: readonly string[]) => {
      calls.push([...argv]);
      return { stdout: '', stderr: '', code: 0, signal: undefined, ...info };
    },
  } as unknown as SshLink;
  const request = {
    devServer: { alias: 'devserver', ssh },
    reference: parseImageReference('myapp:1.0'),
    platform: image,
    hasPlatform: async (_: unknown, platform: string) => holds.includes(platform),
    signal: new AbortController().signal,
    onEvent: (event: PushEvent) => events.push(event),
  } as unknown as PushWork;
  // As findContainerCli asks it: one `info` per push, its answer kept with the CLI.
  const cli = async (kind: 'docker' | 'podman', args: string[] = []): Promise<ContainerCli> => {
    const found =
      kind === 'docker' ? program : { ...program, path: '/usr/bin/podman', command: ['/usr/bin/podman'] };
    const base = { program: found, kind, args };
    return { ...base, engine: await enginePlatform(ssh, base) };
  };
  return { request, calls, events, cli };
}

describe('the platform check before an upload', () => {
  it('refuses an arm64 image for an x86_64 docker engine, naming the build command', async () => {
    const { request, cli } = setup({ stdout: 'linux/x86_64\n' }, 'linux/arm64/v8');
    const error = (await choosePlatform(request, await cli('docker'), 'my-app').catch(
      (e) => e,
    )) as TunnelError;
    expect(error.code).toBe('IMAGE');
    expect(error.message).toContain(
      'built for linux/arm64, but the nodes of "my-app" on devserver run linux/amd64',
    );
    expect(error.hint).toContain('docker build --platform linux/amd64 -t myapp:1.0 .');
  });

  it("asks podman with podman's field names, and accepts its Go architecture names", async () => {
    const { request, calls, events, cli } = setup({ stdout: 'linux/arm64\n' }, 'linux/arm64/v8');
    const podman = await cli('podman', ['--url', 'unix:///run/podman/podman.sock']);
    expect(await choosePlatform(request, podman, 'my-app')).toEqual({
      image: 'linux/arm64',
      nodes: 'linux/arm64',
      sent: null,
      unchecked: null,
    });
    expect(calls[0]?.join(' ')).toContain(
      '--url unix:///run/podman/podman.sock info --format {{.Host.OS}}/{{.Host.Arch}}',
    );
    // choosePlatform reuses the answer: no second `info`.
    expect(calls).toHaveLength(1);
    expect(events).toEqual([{ kind: 'platform', image: 'linux/arm64', nodes: 'linux/arm64' }]);
  });

  it("sends only the nodes' variant of a multi-platform image that holds it", async () => {
    const { request, cli } = setup({ stdout: 'linux/x86_64\n' }, 'linux/arm64', ['linux/amd64']);
    expect(await choosePlatform(request, await cli('docker'), 'my-app')).toMatchObject({
      image: 'linux/arm64',
      nodes: 'linux/amd64',
      sent: 'linux/amd64',
    });
  });

  it('goes on, saying why, when the engine does not answer', async () => {
    const down =
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
    const { request, events, cli } = setup({ code: 1, stderr: `${down}\n` }, 'linux/arm64');
    const check = await choosePlatform(request, await cli('docker'), 'my-app');
    expect(check).toMatchObject({ image: 'linux/arm64', nodes: null, sent: null });
    expect(check.unchecked).toContain('Cannot connect');
    expect(events[0]).toMatchObject({
      kind: 'platform',
      unchecked: expect.stringContaining('Cannot connect'),
    });
  });
});
