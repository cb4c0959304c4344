// The SSH setups of issue 12 as real servers: the simulated dev server (netns, k3d stand-ins) whose sshd is
// configured as each setup needs, and the client's ssh config naming one alias for it. Root only (network
// and mount namespaces). startSetup() returns it running; stop() removes everything it made.
import fs from 'node:fs';
import path from 'node:path';
import { type DevServer, startDevServer } from '../../devserver/index.js';
import { generateKey, type SshdHandle, type SshdOptions, startSshd } from '../../devserver/sshd.js';
import {
  type ClientFiles,
  GOOD_CODE,
  GOOD_PASSWORD,
  type HostEntry,
  hostBlock,
  makeClientFiles,
  pamStackAccepting,
  signCertificate,
  writeFdpassHelper,
} from './fixture.js';

export type SetupName =
  | 'plain'
  | 'user-ca'
  | 'user-ca-certfile'
  | 'host-cert'
  | 'otp'
  | 'password'
  | 'pq-kex'
  | 'hostkeyalias'
  | 'fdpass'
  | 'bastion';

export interface Setup {
  name: SetupName;
  /** The Host alias in sshConfigFile (what `ssh <alias>` and `tunnel connect <alias>` take). */
  alias: string;
  sshConfigFile: string;
  client: ClientFiles;
  devserver: DevServer;
  /** The 2FA jump host (bastion setup only). */
  bastion?: SshdHandle;
  /** The sshd whose crash drops the session: the bastion where there is one, else the dev server's. */
  frontSshd: SshdHandle;
  stop(): Promise<void>;
}

interface Spec {
  sshd?: (context: { dir: string; host: string }) => Partial<SshdOptions>;
  /** The alias's entry (over the defaults) and its known_hosts lines; may write further Host blocks. */
  client?: (devserver: DevServer) => Promise<ClientSide> | ClientSide;
}

interface ClientSide {
  entry?: Partial<HostEntry>;
  knownHosts?: string[];
  /** Host blocks written before the alias's (e.g. the bastion). */
  before?: string;
  bastion?: SshdHandle;
}

const TWO_FACTOR = [
  'KbdInteractiveAuthentication yes',
  'AuthenticationMethods publickey,keyboard-interactive',
];

function specFor(name: SetupName, client: ClientFiles): Spec {
  const dir = client.dir;
  switch (name) {
    case 'plain':
      return {};
    case 'user-ca':
    case 'user-ca-certfile':
      return userCa(dir, name === 'user-ca-certfile');
    case 'host-cert':
      return hostCert(dir);
    case 'otp':
      return {
        sshd: () => ({ pamStack: pamStackAccepting(dir, 'otp', GOOD_CODE), extraConfig: TWO_FACTOR }),
      };
    case 'password':
      return {
        sshd: () => ({
          pamStack: pamStackAccepting(dir, 'password', GOOD_PASSWORD),
          extraConfig: [
            'PasswordAuthentication yes',
            'PubkeyAuthentication no',
            'AuthenticationMethods password',
          ],
        }),
      };
    case 'pq-kex':
      return { sshd: () => ({ extraConfig: ['KexAlgorithms sntrup761x25519-sha512@openssh.com'] }) };
    case 'hostkeyalias':
      return hostKeyAlias();
    case 'fdpass':
      return {
        client: () => ({
          entry: { extra: [`ProxyCommand python3 ${writeFdpassHelper(dir)} %h %p`, 'ProxyUseFdpass yes'] },
        }),
      };
    case 'bastion':
      return bastion(client);
  }
}

/** A user CA the server trusts (TrustedUserCAKeys) and no authorized key; the client's key carries a certificate. */
function userCa(dir: string, certificateFile: boolean): Spec {
  const ca = path.join(dir, 'user_ca');
  generateKey(ca, 'ed25519', '', 'user-ca');
  const key = path.join(dir, 'id_ed25519');
  generateKey(key, 'ed25519', '', 'me@laptop');
  return {
    sshd: () => ({ authorizedKeys: [], extraConfig: [`TrustedUserCAKeys ${ca}.pub`] }),
    client: (devserver) => {
      const options = { ca, publicKey: `${key}.pub`, identity: 'me@laptop', principals: devserver.user };
      if (!certificateFile) {
        signCertificate(options);
        return { entry: { key } };
      }
      // As Vault or Smallstep write it: a certificate file of its own, named in the ssh config.
      fs.mkdirSync(path.join(dir, 'certs'));
      const cert = signCertificate({ ...options, out: path.join(dir, 'certs', 'devserver-signed.pub') });
      return { entry: { key, extra: [`CertificateFile ${cert}`] } };
    },
  };
}

/** The host key is signed by a host CA; known_hosts has only the CA (`@cert-authority`), no host key. */
function hostCert(dir: string): Spec {
  const hostCa = path.join(dir, 'host_ca');
  const caKey = generateKey(hostCa, 'ed25519', '', 'host-ca');
  return {
    sshd: ({ dir: sshdDir, host }) => {
      const hostKey = path.join(sshdDir, 'ssh_host_ed25519_key');
      generateKey(hostKey, 'ed25519', '', 'host');
      const cert = signCertificate({
        ca: hostCa,
        publicKey: `${hostKey}.pub`,
        identity: host,
        principals: host,
        host: true,
      });
      return { extraConfig: [`HostCertificate ${cert}`] };
    },
    client: () => ({ knownHosts: [`@cert-authority 10.231.* ${caKey}`] }),
  };
}

/** sshd on port 2022; the ssh config's HostKeyAlias names the key in known_hosts, bare (no [alias]:2022). */
function hostKeyAlias(): Spec {
  const alias = 'devbox.internal';
  return {
    sshd: () => ({ port: 2022 }),
    client: (devserver) => ({
      entry: { extra: [`HostKeyAlias ${alias}`] },
      knownHosts: devserver.sshd.hostKeys.map((key) => `${alias} ${key.publicKey}`),
    }),
  };
}

/**
 * A jump host that wants the key and then a one-time code (PAM); the dev server listens on 127.0.0.1
 * inside the namespace, so only the bastion reaches it.
 */
function bastion(client: ClientFiles): Spec {
  return {
    sshd: () => ({ listenAddress: '127.0.0.1' }),
    client: async (devserver) => {
      const netns = devserver.netns!;
      const jump = await startSshd({
        dir: path.join(client.dir, 'bastion'),
        listenAddress: netns.nsAddress,
        port: 2200,
        netns: netns.name,
        authorizedKeys: [fs.readFileSync(`${devserver.clientKeyFile}.pub`, 'utf8').trim()],
        pamStack: pamStackAccepting(client.dir, 'bastion', GOOD_CODE),
        extraConfig: TWO_FACTOR,
      });
      const knownHosts = [...devserver.sshd.knownHostsLines(), ...jump.knownHostsLines()];
      const bastionEntry = baseEntry(devserver, client, 'bastion');
      const before = hostBlock(
        { ...bastionEntry, hostName: jump.host, port: jump.port },
        globalKnownHosts(client),
      );
      return { entry: { extra: ['ProxyJump bastion'] }, knownHosts, before, bastion: jump };
    },
  };
}

function globalKnownHosts(client: ClientFiles): string {
  return path.join(client.dir, 'global_known_hosts');
}

function baseEntry(devserver: DevServer, client: ClientFiles, alias: string): HostEntry {
  return {
    alias,
    hostName: devserver.host,
    port: devserver.port,
    user: devserver.user,
    key: devserver.clientKeyFile,
    knownHosts: path.join(client.dir, 'known_hosts'),
  };
}

/** Starts the dev server configured as `name` needs and writes the client's ssh config for `dev-<name>`. */
export async function startSetup(name: SetupName, scenario = 'two-clusters.json'): Promise<Setup> {
  const client = makeClientFiles();
  let devserver: DevServer | undefined;
  let side: ClientSide = {};
  const stop = async () => {
    try {
      await side.bastion?.stop();
      await devserver?.stop();
    } finally {
      client.remove();
    }
  };
  try {
    const spec = specFor(name, client);
    const sshd = spec.sshd;
    devserver = await startDevServer({
      scenario,
      mode: 'netns',
      dir: path.join(client.dir, 'devserver'),
      ...(sshd ? { sshd } : {}),
    });
    side = (await spec.client?.(devserver)) ?? {};
    const alias = `dev-${name}`;
    const entry = { ...baseEntry(devserver, client, alias), ...side.entry };
    fs.writeFileSync(
      entry.knownHosts,
      `${(side.knownHosts ?? devserver.sshd.knownHostsLines()).join('\n')}\n`,
    );
    const sshConfigFile = path.join(client.dir, 'ssh_config');
    fs.writeFileSync(sshConfigFile, (side.before ?? '') + hostBlock(entry, globalKnownHosts(client)));
    const frontSshd = side.bastion ?? devserver.sshd;
    return {
      name,
      alias,
      sshConfigFile,
      client,
      devserver,
      ...(side.bastion ? { bastion: side.bastion } : {}),
      frontSshd,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
