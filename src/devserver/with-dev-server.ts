// How a use case is given the dev server: an opener, not an open handle. The use case opens it when its
// local checks have passed (a typo costs no connection) and closes it on every way out, before any step
// that does not need it (asking the agent); a command never holds a connection it could forget to close.
import type { DevServer } from './dev-server.js';

/** Opens the dev server (the CLI binds openDevServer to the host's options, prompts and log). */
export type OpenDevServer = () => Promise<DevServer>;

/** Runs `work` on a freshly opened dev server and closes it, whatever happens. */
export async function withDevServer<T>(
  open: OpenDevServer,
  work: (devServer: DevServer) => Promise<T>,
): Promise<T> {
  const devServer = await open();
  try {
    return await work(devServer);
  } finally {
    devServer.close();
  }
}
