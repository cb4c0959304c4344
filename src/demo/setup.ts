// Builds the demo's pretend dev server in a temporary directory: certificates (when openssl is there), the
// in-memory k3d cluster, the SSH server with fresh host and client keys, and the files an ssh client needs
// to reach it (known_hosts with its host key, an ssh config with `Host tunnel-demo`, the client key).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../ssh/exec.js';
import { makeDemoCertificates } from './certs.js';
import { type DemoEndpoints, demoEndpoints } from './endpoints.js';
import { type DemoServer, generateKeyPair, startDemoServer } from './server.js';
import { type DemoCluster, demoCluster } from './world.js';

export const DEMO_HOST = 'tunnel-demo';
export const DEMO_USER = 'demo';

export interface DemoDevServer {
  cluster: DemoCluster;
  server: DemoServer;
  endpoints: DemoEndpoints;
  sshConfigFile: string;
  knownHostsFile: string;
  /** Why the Kubernetes API part is left out (no openssl), if it is. */
  apiSkipped: string | undefined;
  close(): Promise<void>;
}

const PROXY_SCRIPT = fileURLToPath(new URL('./proxy.js', import.meta.url));

/** `node proxy.js %h %p`, quoted for the shell that runs it and with ssh_config's % tokens escaped. */
export function demoProxyCommand(node = process.execPath, script = PROXY_SCRIPT): string {
  return `${[node, script].map((word) => shellQuote(word).replace(/%/g, '%%')).join(' ')} %h %p`;
}

function sshConfig(dir: string, port: number): string {
  return [
    `# Written by tunnel demo; removed when the demo ends.`,
    `Host ${DEMO_HOST}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    // See proxy.ts: the pretend dev server is not this machine, so it is not reached as one.
    `  ProxyCommand ${demoProxyCommand()}`,
    `  User ${DEMO_USER}`,
    `  IdentityFile ${path.join(dir, 'id_ed25519')}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
}

export async function startDemoDevServer(dir: string): Promise<DemoDevServer> {
  let apiSkipped: string | undefined;
  const certs = await makeDemoCertificates((why) => {
    apiSkipped = why;
  });
  const cluster = demoCluster(certs);
  const endpoints = demoEndpoints(cluster);
  const hostKey = generateKeyPair('tunnel-demo host key');
  const clientKey = generateKeyPair('tunnel-demo client key');
  const server = await startDemoServer({
    hostKey,
    clientPublicKey: clientKey.publicKey,
    user: DEMO_USER,
    cluster,
    endpoints,
  });
  const write = (name: string, text: string) => fs.writeFile(path.join(dir, name), text, { mode: 0o600 });
  const [type, blob] = hostKey.publicKey.split(' ');
  await write('id_ed25519', clientKey.privateKey);
  await write('id_ed25519.pub', `${clientKey.publicKey}\n`);
  await write('known_hosts', `[127.0.0.1]:${server.port} ${type} ${blob}\n`);
  await write('ssh_config', sshConfig(dir, server.port));
  return {
    cluster,
    server,
    endpoints,
    sshConfigFile: path.join(dir, 'ssh_config'),
    knownHostsFile: path.join(dir, 'known_hosts'),
    apiSkipped,
    close: async () => {
      endpoints.close();
      await server.close();
    },
  };
}
