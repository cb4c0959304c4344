import { describe, expect, it } from 'vitest';
import { isThisMachine } from '../../../src/plan/local-host.js';

const interfaces = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null }],
  en0: [
    {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '',
      internal: false,
      cidr: null,
    },
    {
      address: 'fe80::1',
      netmask: 'ffff::',
      family: 'IPv6',
      mac: '',
      internal: false,
      cidr: null,
      scopeid: 1,
    },
  ],
} as unknown as Parameters<typeof isThisMachine>[1];

describe('isThisMachine', () => {
  it.each([
    '127.0.0.1',
    '127.0.1.1',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0.0.0.0',
    '::',
    '::ffff:127.0.0.1',
  ])('%s is this machine', (address) => expect(isThisMachine(address, interfaces)).toBe(true));

  it("matches the machine's own interface addresses", () => {
    expect(isThisMachine('192.168.1.20', interfaces)).toBe(true);
    expect(isThisMachine('::ffff:192.168.1.20', interfaces)).toBe(true);
    expect(isThisMachine('FE80::1', interfaces)).toBe(true);
  });

  it.each(['192.168.1.21', '10.231.0.2', 'devserver', '128.0.0.1'])('%s is not', (address) =>
    expect(isThisMachine(address, interfaces)).toBe(false),
  );
});
