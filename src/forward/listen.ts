// Binding a forward's local port, and what a failed bind tells the user: exclusive (never shared with a
// cluster worker or another listener), with the command that finds whoever holds the port.
import type net from 'node:net';
import { TunnelError } from '../errors.js';

export async function listenExclusive(
  server: net.Server,
  localAddress: string,
  localPort: number,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const inUse = error.code === 'EADDRINUSE';
      reject(
        new TunnelError('PORT', `cannot listen on ${localAddress}:${localPort}: ${error.message}`, {
          cause: error,
          hint: inUse
            ? `Another process holds the port. Find it with: lsof -nP -iTCP:${localPort} -sTCP:LISTEN`
            : 'Check the --bind address exists on this machine.',
        }),
      );
    };
    server.once('error', onError);
    server.listen({ host: localAddress, port: localPort, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
