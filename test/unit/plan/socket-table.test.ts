import { describe, expect, it } from 'vitest';
import {
  conflictingListener,
  parseLsofListeners,
  parseProcNetTcp,
  parseSsListeners,
} from '../../../src/plan/socket-table.js';

// `ss -ltnH` on a Debian 12 dev server with docker (iproute2 6.1): docker-proxy on both stacks, sshd,
// systemd-resolved on 127.0.0.53%lo, an IPv4-mapped listener.
const SS = `LISTEN 0      4096         0.0.0.0:8080       0.0.0.0:*
LISTEN 0      4096       127.0.0.1:16443      0.0.0.0:*
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*
LISTEN 0      128          0.0.0.0:22         0.0.0.0:*
LISTEN 0      4096            [::]:8080          [::]:*
LISTEN 0      128             [::]:22            [::]:*
LISTEN 0      511                *:3000             *:*
LISTEN 0      50   [::ffff:127.0.0.1]:9000             *:*
LISTEN 0      4096  [fe80::1%eth0]:7000          [::]:*
`;

const SS_WITH_PROCESSES = `State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      511        127.0.0.1:8080       0.0.0.0:*    users:(("kubectl",pid=4242,fd=8),("kubectl",pid=4242,fd=9))
LISTEN 0      128        127.0.0.1:2222       0.0.0.0:*    users:(("ssh",pid=77,fd=5))
`;

const LSOF = `COMMAND     PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME
kubectl   12345   me    8u  IPv4 0x5e8c2b6a3c0b1f2d      0t0  TCP 127.0.0.1:8080 (LISTEN)
kubectl   12345   me    9u  IPv6 0x5e8c2b6a3c0b1f2e      0t0  TCP [::1]:8080 (LISTEN)
Google\\x20  999   me   10u  IPv4 0x5e8c2b6a3c0b1f2f      0t0  TCP *:8081 (LISTEN)
`;

const PROC_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31021 1 0000000000000000 100 0 0 10 0
   1: 0100007F:403B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 31022 1 0000000000000000 100 0 0 10 0
   2: 0100007F:A2B4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 31023 1 0000000000000000 20 4 30 10 -1
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31030 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31031 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31032 1 0000000000000000 100 0 0 10 0
`;

describe('parseSsListeners', () => {
  it('reads every address form ss prints', () => {
    expect(parseSsListeners(SS).map((entry) => `${entry.address} ${entry.port}`)).toEqual([
      '0.0.0.0 8080',
      '127.0.0.1 16443',
      '127.0.0.53 53',
      '0.0.0.0 22',
      ':: 8080',
      ':: 22',
      '0.0.0.0 3000',
      '127.0.0.1 9000',
      'fe80::1 7000',
    ]);
  });

  it('reads the owning processes of ss -p (and skips the header of an ss without -H)', () => {
    expect(parseSsListeners(SS_WITH_PROCESSES)).toEqual([
      { address: '127.0.0.1', port: 8080, processes: [{ name: 'kubectl', pid: 4242 }] },
      { address: '127.0.0.1', port: 2222, processes: [{ name: 'ssh', pid: 77 }] },
    ]);
  });

  it('skips what is not a listening socket', () => {
    expect(
      parseSsListeners('ESTAB 0 0 10.0.0.1:22 10.0.0.2:5555\nnonsense\n\nLISTEN 0 1 nope 0.0.0.0:*'),
    ).toEqual([]);
  });
});

describe('parseLsofListeners', () => {
  it('reads lsof -nP -iTCP -sTCP:LISTEN, one entry per address, escaped command names decoded', () => {
    expect(parseLsofListeners(LSOF)).toEqual([
      { address: '127.0.0.1', port: 8080, processes: [{ name: 'kubectl', pid: 12345 }] },
      { address: '::1', port: 8080, processes: [{ name: 'kubectl', pid: 12345 }] },
      { address: '0.0.0.0', port: 8081, processes: [{ name: 'Google ', pid: 999 }] },
    ]);
  });
});

describe('parseProcNetTcp', () => {
  it('decodes /proc/net/tcp and tcp6 listeners (little-endian words), skipping other states', () => {
    expect(parseProcNetTcp(PROC_TCP).map((entry) => `${entry.address} ${entry.port}`)).toEqual([
      '0.0.0.0 8080',
      '127.0.0.1 16443',
      ':: 8080',
      '::1 3000',
      '127.0.0.1 9000',
    ]);
  });
});

describe('conflictingListener', () => {
  const listeners = parseSsListeners(SS);
  it('a wildcard on either side conflicts; two specific addresses only when equal', () => {
    expect(conflictingListener(listeners, undefined, 16443)?.address).toBe('127.0.0.1');
    expect(conflictingListener(listeners, '127.0.0.1', 8080)?.address).toBe('0.0.0.0');
    expect(conflictingListener(listeners, '10.0.0.5', 16443)).toBeUndefined();
    expect(conflictingListener(listeners, '127.0.0.1', 16443)).toBeDefined();
    expect(conflictingListener(listeners, undefined, 16444)).toBeUndefined();
  });
});
