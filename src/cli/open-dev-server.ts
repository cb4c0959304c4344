// The one way a command reaches the dev server: it hands a use case this opener (bound to the host's
// options, the terminal's prompts and the stderr log), and the use case opens and closes the handle.
import type { DevServerOptions } from '../devserver/dev-server.js';
import { openDevServer } from '../devserver/dev-server.js';
import type { OpenDevServer } from '../devserver/with-dev-server.js';
import { stderrLogger } from '../log.js';
import { terminalInteraction } from './terminal.js';

export function devServerOpener(options: DevServerOptions): OpenDevServer {
  return () => openDevServer(options, terminalInteraction(), stderrLogger(false));
}
