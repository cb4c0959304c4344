// A k3s-like PKI per simulated cluster, made with the openssl CLI so the TLS the real kubectl sees is real:
// a server CA signing the API serving certificate (k3s's SANs), and a client CA signing the admin cert that
// k3d puts into the kubeconfig. Keys are EC P-256 in SEC1 PEM ("EC PRIVATE KEY"), as k3s writes them.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OPENSSL_CONFIG = `[req]
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
authorityKeyIdentifier = keyid
subjectAltName = @sans
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir, name) {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
}

function selfSignedCa(dir, name, commonName) {
  newKey(dir, name);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    '3650',
    '-config',
    'openssl.cnf',
    '-extensions',
    'ca',
    '-out',
    `${name}.crt`,
  ]);
}

function signedLeaf(dir, { name, subject, ca, extensions, days }) {
  newKey(dir, name);
  openssl(dir, [
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
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    `0x${crypto.randomBytes(8).toString('hex')}`,
    '-days',
    String(days),
    '-extfile',
    'openssl.cnf',
    '-extensions',
    extensions,
    '-out',
    `${name}.crt`,
  ]);
}

const isIp = (value) => /^[\d.]+$/.test(value) || value.includes(':');

/**
 * SANs of the k3s API serving cert: k3s's fixed names and service IP, the node name and IPs, plus k3d's
 * --tls-san values (the API host, default 0.0.0.0, and the serverlb name when there is a load balancer).
 */
export function apiServerSans({ clusterName, serverIps = [], apiHost = '0.0.0.0', noLb = false }) {
  const names = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'localhost',
    `k3d-${clusterName}-server-0`,
    ...(noLb ? [] : [`k3d-${clusterName}-serverlb`]),
  ];
  const ips = ['127.0.0.1', '::1', '0.0.0.0', '10.43.0.1', ...serverIps];
  if (isIp(apiHost)) ips.push(apiHost);
  else names.push(apiHost);
  return { dns: [...new Set(names)], ips: [...new Set(ips)] };
}

/** Fresh certificates for one cluster (a re-created cluster gets new ones, like k3s on a new volume). */
export function generateClusterCerts(sanInput) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-pki-'));
  try {
    const sans = apiServerSans(sanInput);
    const sanLines = [
      ...sans.dns.map((name, index) => `DNS.${index + 1} = ${name}`),
      ...sans.ips.map((ip, index) => `IP.${index + 1} = ${ip}`),
    ];
    fs.writeFileSync(path.join(dir, 'openssl.cnf'), `${OPENSSL_CONFIG}[sans]\n${sanLines.join('\n')}\n`);
    const stamp = Math.floor(Date.now() / 1000);
    selfSignedCa(dir, 'server-ca', `k3s-server-ca@${stamp}`);
    selfSignedCa(dir, 'client-ca', `k3s-client-ca@${stamp}`);
    signedLeaf(dir, {
      name: 'serving',
      subject: '/O=k3s/CN=k3s',
      ca: 'server-ca',
      extensions: 'server',
      days: 365,
    });
    signedLeaf(dir, {
      name: 'admin',
      subject: '/O=system:masters/CN=system:admin',
      ca: 'client-ca',
      extensions: 'client',
      days: 365,
    });
    const read = (file) => fs.readFileSync(path.join(dir, file), 'utf8');
    return {
      serverCa: read('server-ca.crt'),
      clientCa: read('client-ca.crt'),
      servingCert: read('serving.crt'),
      servingKey: read('serving.key'),
      // k3s writes the admin cert followed by its client CA; k3d copies that chain into the kubeconfig.
      adminCert: read('admin.crt') + read('client-ca.crt'),
      adminKey: read('admin.key'),
      sans,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
