// A host certificate signed by a host CA; known_hosts holds only `@cert-authority 10.231.* <ca>`, no host key.
// ssh2 cannot check host certificates, so auto must pick OpenSSH and say so.
import { setupSuite } from './journey.js';

setupSuite('host-cert', { transport: 'openssh', asks: false });
