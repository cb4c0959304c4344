// One reading of IP ranges for the Local Network hint and the network fingerprint, in the spellings
// os.networkInterfaces() and Node's connect errors use on a Mac (zone suffixes, compressed IPv6).
import { describe, expect, it } from 'vitest';
import { addressKind } from '../../src/address-kind.js';

describe('addressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.10.20', 'link-local'],
    ['fe80::1c3a:5b1f:9e2d:4a71%en0', 'link-local'],
    ['10.0.0.8', 'private'],
    ['172.31.255.1', 'private'],
    ['192.168.1.40', 'private'],
    ['fd12:3456:789a::10', 'unique-local'],
    ['2a02:1210:5c04:b700:1c3a:5b1f:9e2d:4a71', 'global'],
    ['172.32.0.1', 'global'],
    ['100.64.1.2', 'global'],
    ['ff02::1', 'other'],
    ['::', 'other'],
    ['devbox.local', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });
});
