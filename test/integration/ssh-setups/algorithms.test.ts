// A server that allows only post-quantum key exchange (sntrup761x25519): ssh2 has no common kex algorithm,
// so auto falls back on OpenSSH. And HostKeyAlias on port 2022: known_hosts names the bare alias, as
// OpenSSH looks it up; ssh2 serves it once it looks the key up the same way.
import { setupSuite } from './journey.js';

setupSuite('pq-kex', { transport: 'openssh', asks: false });
setupSuite('hostkeyalias', { transport: 'ssh2', asks: false });
