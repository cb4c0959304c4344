// Hostile names never reach a remote shell unquoted. A real `sh` parses what we would send: every word
// comes back exactly, and a `$(…)` or backquote inside a name never runs. NUL is left out of the
// generated strings: no argv (ours, ssh's or the remote shell's) can hold it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { removeRemoteFile } from '../../../src/image/upload.js';
import { getKubeconfig, listClusters } from '../../../src/remote/k3d.js';
import { deleteCluster } from '../../../src/remote/k3d-cluster.js';
import { checkNodeImage, importIntoNode } from '../../../src/remote/node-images.js';
import { loginShellCommand } from '../../../src/remote/program.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import { quoteArgv, shellQuote } from '../../../src/ssh/exec.js';
import { fakeConnection, reply } from './fake-ssh.js';
import { hostileText } from './helpers.js';

// Commands run in a scratch directory, so an injection that did run would leave a file we can see.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tunnel-bad-shell-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const CANARY = path.join(scratch, 'pwned');

const injections = fc.constantFrom(
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x; touch ${CANARY}`,
  `x' ; touch ${CANARY}; echo '`,
  `x"; touch ${CANARY}; echo "`,
  `x\ntouch ${CANARY}`,
  `x && touch ${CANARY} #`,
  `-rf`,
  `--all`,
  `*`,
  `~`,
  `$HOME`,
  `\\`,
  `'`,
  `''`,
  `\r`,
);
const hostile = fc
  .oneof(
    injections,
    hostileText,
    fc.tuple(hostileText, injections).map(([a, b]) => a + b),
  )
  .map((text) => text.replace(/\u0000/g, ''));

/** The words a POSIX shell makes of `command`, each printed NUL-terminated by printf. */
function shellWords(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { cwd: scratch });
  return out.toString('utf8').split('\u0000').slice(0, -1);
}

/** What a JS string becomes on the wire: UTF-8, lone surrogates as U+FFFD. */
const wire = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

describe('shellQuote through a real sh', () => {
  it('prints exactly the original string, many per sh run', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 30 }), (words) => {
        expect(shellWords(quoteArgv(words))).toEqual(words.map(wire));
        expect(existsSync(CANARY)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a single word whole when it is the only argument', () => {
    fc.assert(
      fc.property(hostile, (word) => {
        const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { cwd: scratch });
        expect(out.equals(Buffer.from(word, 'utf8'))).toBe(true);
      }),
      { numRuns: 40 },
    );
    expect(existsSync(CANARY)).toBe(false);
  });
});

describe('k3d and docker helpers with hostile names', () => {
  /** Every recorded command parses back into words, and `expected` appears among them whole. */
  function assertQuoted(commands: readonly string[], expected: readonly string[]) {
    expect(commands.length).toBeGreaterThan(0);
    const words = commands.flatMap(shellWords);
    for (const word of expected) expect(words).toContain(wire(word));
    expect(existsSync(CANARY)).toBe(false);
  }

  async function tolerate(work: Promise<unknown>) {
    try {
      await work;
    } catch (error) {
      expect(error).toBeInstanceOf(TunnelError);
    }
  }

  it('getKubeconfig, deleteCluster and listClusters quote the cluster name and the k3d path', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (name, k3dPath) => {
        const k3d: K3dInfo = {
          command: [k3dPath],
          path: k3dPath,
          foundVia: 'PATH',
          k3dVersion: undefined,
          k3sVersion: undefined,
        };
        const kube = fakeConnection(reply('apiVersion: v1\n'));
        await tolerate(getKubeconfig(kube.conn, k3d, name));
        // A leading dash is refused before anything runs (k3d would read it as a flag).
        if (!name.startsWith('-')) assertQuoted(kube.commands, [k3dPath, 'kubeconfig', 'get', name]);
        const del = fakeConnection(reply(''));
        await tolerate(deleteCluster(del.conn, k3d, name));
        assertQuoted(del.commands, [k3dPath, 'cluster', 'delete', name]);
        const list = fakeConnection(reply('[]'));
        await tolerate(listClusters(list.conn, k3d));
        assertQuoted(list.commands, [k3dPath, 'cluster', 'list']);
      }),
      { numRuns: 40 },
    );
  });

  it('docker node checks, imports and remote file removal quote docker, node, image and file', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (docker, node, file) => {
        const check = fakeConnection(reply('{"images":[]}'));
        const plain = { command: [docker], path: docker };
        await tolerate(checkNodeImage(check.conn, { docker: plain, node, image: file }));
        assertQuoted(check.commands, [docker, 'exec', node, 'crictl']);
        const load = fakeConnection(reply(''));
        await tolerate(importIntoNode(load.conn, { docker: plain, node, file }));
        // The script refers to the file as "$0" and runs "$@"; the operands travel as their own words.
        const words = shellWords(load.commands[0] ?? '');
        expect(words.slice(0, 2)).toEqual(['sh', '-c']);
        expect(words.slice(3, 8)).toEqual([file, docker, 'exec', '-i', node].map(wire));
        // Through a login shell: the same words after its script, the file first.
        const viaShell = fakeConnection(reply(''));
        const inShell = { command: loginShellCommand('bash', docker), path: docker, shell: 'bash' };
        await tolerate(importIntoNode(viaShell.conn, { docker: inShell, node, file }));
        const shellArgv = shellWords(viaShell.commands[0] ?? '');
        expect(shellArgv.slice(0, 3)).toEqual(['bash', '-l', '-c']);
        expect(shellArgv.slice(4, 9)).toEqual([file, docker, 'exec', '-i', node].map(wire));
        const remove = fakeConnection(reply(''));
        await removeRemoteFile(remove.conn, file);
        assertQuoted(remove.commands, ['rm', '-f', file]);
      }),
      { numRuns: 30 },
    );
  });
});
