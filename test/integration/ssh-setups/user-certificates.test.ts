// User certificates signed by a CA the server trusts (TrustedUserCAKeys), no authorized key: the certificate
// beside the key (`id_ed25519-cert.pub`, as ssh-keygen -s writes it) and in a CertificateFile (as Vault or
// Smallstep write it). ssh2 cannot offer certificates, so auto must pick OpenSSH and say so.
import { setupSuite } from './journey.js';

setupSuite('user-ca', { transport: 'openssh', asks: false });
setupSuite('user-ca-certfile', { transport: 'openssh', asks: false });
