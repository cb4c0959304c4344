// The session layer adapts ssh/'s connection to the supervisor's words: why a connection ended reaches
// the supervisor as its own ConnectionEnd, whatever else ssh/ puts in its reason; a forward's channel
// goes where its `via` says.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import { channelOpener, LiveConnection } from '../../../src/session/live-connection.js';
import type { CloseReason, SshLink } from '../../../src/ssh/types.js';
import { forwardSpec } from '../../builders.js';

function link(closed: Promise<CloseReason>): SshLink {
  return { closed, target: { alias: 'devserver' }, forwardOut: async () => undefined } as unknown as SshLink;
}

describe('LiveConnection', () => {
  it('reports a dead link as the supervisor’s keepalive end, with the message', async () => {
    const reason = { kind: 'keepalive', message: 'no answer to 3 keepalives', extra: 'ssh2 detail' };
    const connection = new LiveConnection(devServerOver(link(Promise.resolve(reason as CloseReason))));
    expect(await connection.closed).toEqual({ kind: 'keepalive', message: 'no answer to 3 keepalives' });
  });
});

describe('channelOpener', () => {
  it('sends a via-pod forward to the pod port-forward and every other to a channel to its address', async () => {
    const dialled: string[] = [];
    const pods: string[] = [];
    const ssh = {
      forwardOut: async (host: string, port: number) => {
        dialled.push(`${host}:${port}`);
        return new PassThrough();
      },
    };
    const opener = channelOpener(ssh, async (spec) => {
      pods.push(spec.id);
      return new PassThrough();
    });
    const source = { address: '127.0.0.1', port: 50000 };
    await opener(
      forwardSpec({ remoteHost: '172.18.0.3', remotePort: 31742, via: { kind: 'node', node: 'n' } }),
      source,
    );
    await opener(forwardSpec({ remotePort: 8080 }), source);
    const backend = forwardSpec({
      id: 'my-app/service/default/backend:9000',
      remoteHost: '',
      remotePort: 9000,
      via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
    });
    await opener(backend, source);
    expect(dialled).toEqual(['172.18.0.3:31742', '127.0.0.1:8080']);
    expect(pods).toEqual(['my-app/service/default/backend:9000']);
    await expect(channelOpener(ssh, undefined)(backend, source)).rejects.toThrow('goes through a pod');
    expect(dialled).toHaveLength(2);
  });
});
