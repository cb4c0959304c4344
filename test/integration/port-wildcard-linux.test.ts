// Linux keeps its behaviour (issue 13 item 8): the kernel refuses Node's bind of 127.0.0.1:P while another
// socket listens on 0.0.0.0:P, so the bind alone says "taken" and lsof is never needed. Real sockets, in a
// network namespace of its own (unshare -n, only lo up), so the wildcard listener is reachable from nowhere.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../devserver/netns.js';

const root = path.join(import.meta.dirname, '../..');
const portCheck = path.join(root, 'src/local/port-check.ts');

const script = `
import net from 'node:net';
const { localPortCheck, holderText } = await import(${JSON.stringify(portCheck)});
const wildcard = net.createServer();
await new Promise((resolve) => wildcard.listen({ host: '0.0.0.0', port: 0 }, resolve));
const port = wildcard.address().port;
const check = localPortCheck({ platform: 'linux' });
const owner = await check.owner('127.0.0.1', port);
const result = {
  port,
  wildcardHeld: await check.isFree('127.0.0.1', port),
  otherPort: await check.isFree('127.0.0.1', port === 65535 ? port - 1 : port + 1),
  owner: owner && { pid: owner.pid, text: holderText(owner) },
  self: process.pid,
};
await new Promise((resolve) => wildcard.close(resolve));
console.log(JSON.stringify(result));
`;

describe.skipIf(!isRoot())(
  'a port held on 0.0.0.0, on Linux (root only: unshare -n; skipped otherwise)',
  () => {
    it('reads as taken for 127.0.0.1 through the bind alone, and its holder is named', () => {
      const result = spawnSync(
        'unshare',
        [
          '-n',
          'sh',
          '-c',
          'ip link set lo up && exec "$0" --import tsx --input-type=module -e "$1"',
          process.execPath,
          script,
        ],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stderr).toBe('');
      const answer = JSON.parse(result.stdout) as {
        port: number;
        wildcardHeld: boolean;
        otherPort: boolean;
        owner: { pid: number; text: string } | undefined;
        self: number;
      };
      expect(answer.wildcardHeld).toBe(false);
      expect(answer.otherPort).toBe(true);
      expect(answer.owner?.pid).toBe(answer.self);
      // The name is the process's as ss prints it (node's, whatever the binary is called).
      expect(answer.owner?.text).toMatch(new RegExp(`^\\S+ \\(pid ${answer.self}\\) on \\*:${answer.port}$`));
    });
  },
);
