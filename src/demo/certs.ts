// A k3s-like PKI for the demo cluster, made with the openssl CLI (Node cannot issue certificates): a server
// CA and the API's serving certificate (SANs 127.0.0.1 and localhost, as k3s's), a client CA and the admin
// certificate k3d puts into the kubeconfig. No openssl → no certificates, and the demo skips its API part.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../process/run.js';

export interface DemoCertificates {
  serverCa: string;
  clientCa: string;
  servingCert: string;
  servingKey: string;
  /** The admin certificate followed by its client CA, as k3s writes it. */
  adminCert: string;
  adminKey: string;
}

const CONFIG = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:kubernetes,DNS:kubernetes.default,DNS:localhost,DNS:k3d-demo-server-0,IP:127.0.0.1,IP:::1,IP:10.43.0.1
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
`;

class OpensslMissing extends Error {}

async function openssl(dir: string, args: string[]): Promise<void> {
  const result = await runProcess({ file: 'openssl', args, cwd: dir, timeoutMs: 20_000 });
  if (result.notFound) throw new OpensslMissing();
  // The failure names the openssl command; makeDemoCertificates makes it the skip reason.
  if (result.failure !== '') throw new Error(result.failure);
}

async function key(dir: string, name: string): Promise<void> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
}

async function authority(dir: string, name: string, subject: string): Promise<void> {
  await key(dir, name);
  const args = ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', subject, '-days', '30'];
  await openssl(dir, [...args, '-config', 'openssl.cnf', '-extensions', 'ca', '-out', `${name}.crt`]);
}

async function leaf(
  dir: string,
  name: string,
  subject: string,
  ca: string,
  extensions: string,
): Promise<void> {
  await key(dir, name);
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-config',
    'openssl.cnf',
    '-out',
    `${name}.csr`,
  ]);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  await openssl(dir, [
    ...[
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      serial,
    ],
    ...['-days', '30', '-extfile', 'openssl.cnf', '-extensions', extensions, '-out', `${name}.crt`],
  ]);
}

/** Fresh certificates, or undefined when openssl is missing or fails (the reason in `onSkip`). */
export async function makeDemoCertificates(
  onSkip: (why: string) => void,
): Promise<DemoCertificates | undefined> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunnel-demo-pki-'));
  try {
    await fs.writeFile(path.join(dir, 'openssl.cnf'), CONFIG);
    const stamp = Math.floor(Date.now() / 1000);
    await Promise.all([
      authority(dir, 'server-ca', `/CN=k3s-server-ca@${stamp}`),
      authority(dir, 'client-ca', `/CN=k3s-client-ca@${stamp}`),
    ]);
    await Promise.all([
      leaf(dir, 'serving', '/O=k3s/CN=k3s', 'server-ca', 'server'),
      leaf(dir, 'admin', '/O=system:masters/CN=system:admin', 'client-ca', 'client'),
    ]);
    const read = (file: string) => fs.readFile(path.join(dir, file), 'utf8');
    const clientCa = await read('client-ca.crt');
    return {
      serverCa: await read('server-ca.crt'),
      clientCa,
      servingCert: await read('serving.crt'),
      servingKey: await read('serving.key'),
      adminCert: (await read('admin.crt')) + clientCa,
      adminKey: await read('admin.key'),
    };
  } catch (error) {
    onSkip(
      error instanceof OpensslMissing
        ? 'openssl is not installed'
        : `openssl failed: ${(error as Error).message}`,
    );
    return undefined;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
