// Is a local port free, and which one is: both bind a socket on this machine for a moment, which is why
// they live here and not in plan/ (pure). plan/ports.ts assignLocalPorts takes them as its checks.
import net from 'node:net';
import getPort from 'get-port';
import { TunnelError } from '../errors.js';

/** Binds address:port for a moment. In use or not permitted (a low port on Linux) → false. */
export function isPortFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        resolve(false);
        return;
      }
      reject(
        new TunnelError('PORT', `Cannot listen on ${address}:${port}: ${error.message}`, {
          hint: `Is ${address} an address of this machine? Local forwards normally listen on 127.0.0.1.`,
          cause: error,
        }),
      );
    });
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port chosen by the OS on `address`, avoiding ports already given to other forwards. */
export function pickFreePort(address: string, exclude: ReadonlySet<number>): Promise<number> {
  return getPort({ host: address, exclude: [...exclude] });
}
