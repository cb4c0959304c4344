// execa, loaded on first use. Importing it costs about 100 ms (its own dependency tree): a command that
// never starts a process must not pay for it, and `tunnel status` has to stay under 100 ms.
import type * as Execa from 'execa';

let loading: Promise<typeof Execa> | undefined;

export function loadExeca(): Promise<typeof Execa> {
  loading ??= import('execa');
  return loading;
}
