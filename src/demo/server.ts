// The demo dev server's SSH side: an ssh2 Server on a loopback port with a host key made at start, that
// admits exactly one public key (signature verified), answers `exec` from the demo shell (commands.ts) and
// accepts `direct-tcpip` only to the demo cluster's ports (endpoints.ts). Nothing else.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from 'ssh2';
import ssh2 from 'ssh2';
import { runDemoCommand } from './commands.js';
import type { DemoEndpoints } from './endpoints.js';
import type { DemoCluster } from './world.js';

export interface KeyPair {
  /** OpenSSH private key (openssh-key-v1 PEM). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`. */
  publicKey: string;
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2 1.17's generator strips leading zero bytes from the public
 * key, so about 1 pair in 256 is one its own parser (and OpenSSH) rejects (mscdex/ssh2#1513): the demo
 * failed that way once in CI-like runs. Such a pair is thrown away and another generated.
 */
export function generateKeyPair(comment: string): KeyPair {
  for (let attempt = 0; attempt < 32; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const valid = [pair.private, pair.public].every((key) => !(ssh2.utils.parseKey(key) instanceof Error));
    if (valid) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error('ssh2 generated 32 malformed ed25519 key pairs in a row');
}

export interface DemoServerOptions {
  hostKey: KeyPair;
  /** The only key allowed to log in. */
  clientPublicKey: string;
  user: string;
  cluster: DemoCluster;
  endpoints: DemoEndpoints;
}

export interface DemoServer {
  port: number;
  /** Stops listening and ends every SSH connection. */
  close(): Promise<void>;
}

function parsePublic(text: string): ParsedKey {
  const key = ssh2.utils.parseKey(text);
  if (key instanceof Error) throw key;
  return Array.isArray(key) ? key[0]! : key;
}

/** Whether a publickey request is for our one user and key, and (when signed) carries a valid signature. */
function admits(context: AuthContext, allowed: ParsedKey, user: string): boolean {
  if (context.method !== 'publickey' || context.username !== user) return false;
  const offered = context.key.data;
  const expected = allowed.getPublicSSH();
  const same =
    context.key.algo === allowed.type &&
    offered.length === expected.length &&
    timingSafeEqual(offered, expected);
  if (!same) return false;
  // Without a signature the client only asks whether the key would do (ssh2 answers PK_OK on accept).
  if (!context.signature || !context.blob) return true;
  return allowed.verify(context.blob, context.signature, context.hashAlgo) === true;
}

function serveSession(session: Session, options: DemoServerOptions): void {
  session.on('exec', (accept, _reject, info) => {
    const channel: ServerChannel = accept();
    const result = runDemoCommand(info.command, options.cluster);
    channel.resume();
    channel.stderr.write(result.stderr);
    channel.write(result.stdout);
    channel.exit(result.code);
    channel.end();
  });
}

function serveClient(client: Connection, options: DemoServerOptions, allowed: ParsedKey): void {
  client.on('error', () => {
    // A client that vanishes is routine (the agent stops, the link drops); 'close' follows.
  });
  client.on('authentication', (context) => {
    if (admits(context, allowed, options.user)) context.accept();
    else context.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (accept) => serveSession(accept(), options));
    client.on('tcpip', (accept, reject, info) => {
      const serve = options.endpoints.serverFor(info.destIP, info.destPort);
      if (!serve) return reject();
      const channel = accept();
      channel.on('error', () => {});
      serve(channel);
    });
  });
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const allowed = parsePublic(options.clientPublicKey);
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [options.hostKey.privateKey] }, (client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    serveClient(client, options, allowed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
