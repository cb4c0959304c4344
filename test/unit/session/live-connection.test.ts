// The session layer adapts ssh/'s connection to the supervisor's words: why a connection ended reaches
// the supervisor as its own ConnectionEnd, whatever else ssh/ puts in its reason.
import { describe, expect, it } from 'vitest';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import { LiveConnection } from '../../../src/session/live-connection.js';
import type { CloseReason, SshLink } from '../../../src/ssh/types.js';

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
