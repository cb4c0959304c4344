import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyCommandLine, findPortOwner, portOwnerHint } from '../../../src/local/port-owner.js';

describe('classifyCommandLine', () => {
  it.each([
    ['kubectl port-forward svc/web 8080:80', 'kubectl-port-forward'],
    ['/usr/local/bin/kubectl -n shop port-forward pod/web-0 8080', 'kubectl-port-forward'],
    ['oc port-forward svc/web 8080:80', 'kubectl-port-forward'],
    ['kubectl proxy --port 8080', 'other'],
    ['ssh -N -L 8080:localhost:8080 devserver', 'ssh-forward'],
    ['/usr/bin/ssh -fNL 8080:127.0.0.1:80 dev', 'ssh-forward'],
    ['ssh -D 1080 dev', 'ssh-forward'],
    ['ssh -o LocalForward=8080 127.0.0.1:80 dev', 'ssh-forward'],
    ['ssh -oLogLevel=ERROR dev', 'other'],
    ['/usr/bin/node /opt/tunnel/bin/tunnel.js __agent', 'tunnel-agent'],
    ['nginx: master process nginx', 'other'],
    ['', 'unknown'],
  ])('%s → %s', (commandLine, kind) => {
    expect(classifyCommandLine(commandLine)).toBe(kind);
  });
});

describe('findPortOwner', () => {
  it('Linux: ss -ltnpH for the port, then the command line of its pid', async () => {
    const calls: string[] = [];
    const owner = await findPortOwner(8080, {
      platform: 'linux',
      run: async (command, args) => {
        calls.push([command, ...args].join(' '));
        return 'LISTEN 0 511 127.0.0.1:8080 0.0.0.0:* users:(("kubectl",pid=4242,fd=8))\n';
      },
      commandLineOf: async (pid) => (pid === 4242 ? 'kubectl port-forward svc/web 8080:80' : undefined),
    });
    expect(calls).toEqual(['ss -ltnpH sport = :8080']);
    expect(owner).toMatchObject({
      pid: 4242,
      kind: 'kubectl-port-forward',
      description: 'kubectl port-forward (pid 4242)',
      commandLine: 'kubectl port-forward svc/web 8080:80',
    });
    expect(portOwnerHint(owner, 8080, 'linux')).toBe(
      "Stop it if you no longer need it: kill 4242 (check first: ss -ltnp 'sport = :8080')",
    );
  });

  it('macOS: lsof, and an ssh -L named as such', async () => {
    const owner = await findPortOwner(2222, {
      platform: 'darwin',
      run: async (command) =>
        command === 'lsof'
          ? 'COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\nssh 77 me 5u IPv4 0x1 0t0 TCP 127.0.0.1:2222 (LISTEN)\n'
          : '',
      commandLineOf: async () => 'ssh -N -L 2222:localhost:22 jump',
    });
    expect(owner?.description).toBe('an ssh -L tunnel (pid 77)');
    expect(portOwnerHint(owner, 2222, 'darwin')).toContain('lsof -nP -iTCP:2222 -sTCP:LISTEN');
  });

  it("a listener without a visible process (another user's) is described as such; none at all is undefined", async () => {
    const hidden = await findPortOwner(80, {
      platform: 'linux',
      run: async () => 'LISTEN 0 511 0.0.0.0:80 0.0.0.0:*\n',
    });
    expect(hidden?.kind).toBe('unknown');
    expect(hidden?.description).toContain('cannot see');
    expect(portOwnerHint(hidden, 80, 'linux')).toContain('as root');
    expect(await findPortOwner(81, { platform: 'linux', run: async () => '' })).toBeUndefined();
  });

  // The real tools (ss, then /proc or ps; lsof and ps on macOS) against a port this test listens on.
  it.each(['linux', 'darwin'] as const)(
    'finds this very process with the real tools (%s flavour)',
    async (platform) => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const owner = await findPortOwner(port, { platform });
        expect(owner).toMatchObject({ port, pid: process.pid, kind: 'other' });
        expect(owner?.commandLine).toContain(process.execPath.split('/').at(-1));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});
