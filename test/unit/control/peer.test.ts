import { describe, expect, it } from 'vitest';
import { findOwnListener, listeningInodes, type ProcReader } from '../../../src/control/peer.js';

const SOCKET = '/tmp/tunnel-1000/ab cd.sock';
// A /proc/net/unix as Linux prints it: a listener on our path, a connection accepted from it (same
// path, not listening), a listener elsewhere, and an unbound socket.
const TABLE = [
  'Num       RefCount Protocol Flags    Type St Inode Path',
  `0000000090a39973: 00000002 00000000 00010000 0001 01 14302 ${SOCKET}`,
  `0000000031823e9b: 00000003 00000000 00000000 0001 03 14304 ${SOCKET}`,
  '00000000aaaaaaaa: 00000002 00000000 00010000 0001 01 777 /run/other.sock',
  '00000000bbbbbbbb: 00000003 00000000 00000000 0001 03 14303',
].join('\n');

function fakeProc(processes: Record<string, { uid: number; fds: string[] }>): ProcReader {
  return {
    readFile: () => TABLE,
    readdir: (dir) => {
      if (dir === '/proc') return ['self', ...Object.keys(processes)];
      const pid = dir.split('/')[2] ?? '';
      return (processes[pid]?.fds ?? []).map((_, index) => String(index));
    },
    readlink: (file) => {
      const [, , pid = '', , fd = ''] = file.split('/');
      return processes[pid]?.fds[Number(fd)] ?? '';
    },
    ownerUid: (file) => {
      const process = processes[file.split('/')[2] ?? ''];
      if (!process) throw new Error('ENOENT');
      return process.uid;
    },
  };
}

describe('peer check (Linux /proc)', () => {
  it('finds the listening sockets bound to our path only, path with spaces included', () => {
    expect([...listeningInodes(TABLE, SOCKET)]).toEqual(['14302']);
  });

  it('accepts a listener held by a process of ours, looking at the lock pid first', () => {
    const proc = fakeProc({ 42: { uid: 1000, fds: ['pipe:[1]', 'socket:[14302]'] } });
    expect(findOwnListener(SOCKET, { uid: 1000, agentPid: 42, proc })).toBe(42);
    expect(findOwnListener(SOCKET, { uid: 1000, proc })).toBe(42);
  });

  it("refuses a listener held by another user's process, even when the lock names it", () => {
    const proc = fakeProc({
      42: { uid: 65534, fds: ['socket:[14302]'] },
      7: { uid: 1000, fds: ['socket:[777]'] },
    });
    expect(() => findOwnListener(SOCKET, { uid: 1000, agentPid: 42, proc })).toThrow(
      `the process listening on ${SOCKET} is not one of yours`,
    );
  });

  it('refuses when no listener on our path is listed at all (another network namespace)', () => {
    const proc = fakeProc({ 42: { uid: 1000, fds: ['socket:[777]'] } });
    expect(() =>
      findOwnListener('/tmp/tunnel-1000/elsewhere.sock', { uid: 1000, agentPid: 42, proc }),
    ).toThrow('is not one of yours');
  });

  it('cannot verify without /proc, or with an empty socket table (the file checks stand alone)', () => {
    const empty = {
      ...fakeProc({}),
      readFile: () => 'Num       RefCount Protocol Flags    Type St Inode Path\n',
    };
    expect(findOwnListener(SOCKET, { uid: 1000, proc: empty })).toBe('unverifiable');
    const proc = {
      ...fakeProc({}),
      readFile: () => {
        throw new Error('ENOENT');
      },
    };
    expect(findOwnListener(SOCKET, { uid: 1000, proc })).toBe('unverifiable');
  });
});
