// Whether the agent still starts at login, where `tunnel agent install` set that up. Independent of the
// host: a login item naming a node that `brew upgrade` deleted, or one switched off in Login Items, fails
// silently at every login while everything else works, so the doctor says so here. It warns, never
// fails: `tunnel connect` starts the agent on demand either way.
import { type CheckDefinition, pass, skip, warn } from './outcome.js';

export const LOGIN_ITEM_CHECKS: readonly CheckDefinition[] = [
  {
    id: 'login-item',
    title: 'start at login',
    needs: [],
    async run(_facts, ports) {
      const item = await ports.loginItem();
      if (!item) return skip('this system has no service manager tunnel supports');
      if (!item.installed) return pass('not set up (optional: tunnel agent install)');
      if (item.problem) {
        return warn(
          `${item.file}: ${item.problem}: the agent will not start at login`,
          `run: ${item.fix ?? 'tunnel agent install'}`,
        );
      }
      return pass(item.note ? `${item.file} (${item.note})` : item.file);
    },
  },
];
