// What counts as "the network changed" on a Mac: a real change (en0's new lease, a new network's IPv6
// prefix, a VPN coming up) cancels the reconnect backoff; the churn a Mac makes by itself (AirDrop's
// awdl0/llw0, the system's link-local utuns, a VM's bridge100, temporary IPv6 rotation) does not.
import { describe, expect, it } from 'vitest';
import { networkFingerprint } from '../../../src/supervisor/network-fingerprint.js';
import { macInterfaces, v4, v6 } from '../../fixtures/macos/network-interfaces.js';

const mac = (change: (ifs: ReturnType<typeof macInterfaces>) => void = () => {}) => {
  const interfaces = macInterfaces();
  change(interfaces);
  return networkFingerprint(interfaces, 'darwin');
};

describe('networkFingerprint on a Mac', () => {
  it("is en0's IPv4 address and IPv6 prefix, nothing of lo0, AirDrop, utun0-3, bridge100 or anpi0", () => {
    expect(mac()).toBe('en0=192.168.1.23,en0=2a02:8071:5e1:3c00:0:0:0:0/64');
  });

  it('stays the same through the churn a Mac makes on its own', () => {
    const before = mac();
    const churned = mac((ifs) => {
      // a new temporary IPv6 address (daily rotation) in the same /64, the old one deprecated but listed
      ifs.en0?.push(v6('2a02:8071:5e1:3c00:6d1e:90a4:2b7f:c3d5', 64, 'a4:83:e7:2b:19:6c', 0));
      // AirDrop re-randomises awdl0/llw0; a system utun comes and goes with a link-local address only
      ifs.awdl0 = [v6('fe80::44d2:1aff:fe09:7b3e', 64, '46:d2:1a:09:7b:3e', 13)];
      ifs.llw0 = [v6('fe80::44d2:1aff:fe09:7b3e', 64, '46:d2:1a:09:7b:3e', 14)];
      ifs.utun4 = [v6('fe80::2f6b:a1c3:8e49:d0b7', 64, '00:00:00:00:00:00', 20)];
      // a UTM/Lima VM starts: the Mac's own bridge for it gets another guest network
      ifs.bridge101 = [v4('192.168.65.1', '255.255.255.0', '3e:a6:f6:5d:8e:65')];
      delete ifs.bridge100;
      ifs.ap1 = [];
    });
    expect(churned).toBe(before);
  });

  it('changes when en0 gets a new IPv4 lease', () => {
    const moved = mac((ifs) => {
      ifs.en0 = ifs.en0?.map((e) => (e.family === 'IPv4' ? v4('192.168.1.57', '255.255.255.0', e.mac) : e));
    });
    expect(moved).not.toBe(mac());
    expect(moved).toContain('en0=192.168.1.57');
  });

  it('changes when the IPv6 prefix changes (another network) even with the same IPv4 address', () => {
    const moved = mac((ifs) => {
      ifs.en0 = ifs.en0?.map((e) =>
        e.address.startsWith('2a02:')
          ? v6(e.address.replace('2a02:8071:5e1:3c00', '2001:db8:42:7'), 64, e.mac, 0)
          : e,
      );
    });
    expect(moved).toBe('en0=192.168.1.23,en0=2001:db8:42:7:0:0:0:0/64');
  });

  it('changes when a VPN comes up on a utun with an IPv4 address (the dev server may be behind it)', () => {
    const vpn = mac((ifs) => {
      ifs.utun4 = [
        v4('10.8.0.6', '255.255.255.255', '00:00:00:00:00:00'),
        v6('fe80::2f6b:a1c3:8e49:d0b7', 64, '00:00:00:00:00:00', 20),
      ];
    });
    expect(vpn).toBe('en0=192.168.1.23,en0=2a02:8071:5e1:3c00:0:0:0:0/64,utun4=10.8.0.6');
  });

  it('Wi-Fi lost (en0 keeps only its link-local address) is a change', () => {
    const lost = mac((ifs) => {
      ifs.en0 = ifs.en0?.slice(0, 1);
    });
    expect(lost).toBe('');
    expect(lost).not.toBe(mac());
  });
});

describe('networkFingerprint on Linux', () => {
  it('does not apply the Mac interface names: a bridge there may be the uplink (br0, bridge0)', () => {
    const interfaces = { bridge0: [v4('10.0.0.2', '255.255.255.0', '52:54:00:12:34:56')] };
    expect(networkFingerprint(interfaces, 'linux')).toBe('bridge0=10.0.0.2');
    expect(networkFingerprint(interfaces, 'darwin')).toBe('');
  });
});
