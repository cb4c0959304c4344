// "Does the kube context work through the tunnel?": reads the context the session wrote, as kubectl would
// (server URL, CA, client certificate and key, embedded as data), and asks that server for /version.
// A context carrying what tunnel never writes (an exec plugin, a file path, a proxy, no TLS checks) fails
// the check before anything is asked: kubectl would act on it.
import fs from 'node:fs/promises';
import https from 'node:https';
import { parseDocument } from 'yaml';
import { TunnelError } from '../errors.js';
import { parseVersion } from '../kube/types.js';
import { unsafeFields } from '../kubeconfig/allowlist.js';
import { pasteWord } from '../shell-word.js';
import type { KubeContextProbe, UnsafeContext } from './types.js';

export interface ContextCredentials {
  server: string;
  ca: string;
  cert: string | undefined;
  key: string | undefined;
}

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function entry(config: Fields, list: string, name: unknown, key: string): Fields | undefined {
  const items = Array.isArray(config[list]) ? (config[list] as unknown[]) : [];
  const found = items.find((item) => isFields(item) && item.name === name);
  return isFields(found) && isFields(found[key]) ? found[key] : undefined;
}

const pem = (value: unknown) =>
  typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;

/** Pure: the named context's server and credentials from a kubeconfig's YAML text. */
export function contextCredentials(yamlText: string, context: string, file: string): ContextCredentials {
  const broken = (why: string) =>
    new TunnelError('KUBECONFIG', `${file}: context ${JSON.stringify(context)} ${why}.`, {
      hint: 'tunnel connect writes it again; see it with: kubectl config view --minify --context <context>',
    });
  const doc = parseDocument(yamlText, { version: '1.1' });
  const config: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  if (!isFields(config)) throw broken('cannot be read: the file is not a kubeconfig');
  const contextFields = entry(config, 'contexts', context, 'context');
  if (!contextFields) throw broken('is missing');
  const cluster = entry(config, 'clusters', contextFields.cluster, 'cluster');
  const user = entry(config, 'users', contextFields.user, 'user') ?? {};
  if (!cluster || typeof cluster.server !== 'string') throw broken('names a cluster without a server');
  const problem = unsafeProblem(config, context, file);
  if (problem) throw problem;
  const ca = pem(cluster['certificate-authority-data']);
  if (!ca) throw broken('has no certificate-authority-data');
  return {
    server: cluster.server,
    ca,
    cert: pem(user['client-certificate-data']),
    key: pem(user['client-key-data']),
  };
}

/** Why the named context must not be used as it is: fields tunnel never writes that act on this machine. */
function unsafeProblem(config: Fields, context: string, file: string): TunnelError | undefined {
  const contextFields = entry(config, 'contexts', context, 'context');
  if (!contextFields) return undefined;
  const cluster = entry(config, 'clusters', contextFields.cluster, 'cluster') ?? {};
  const user = entry(config, 'users', contextFields.user, 'user') ?? {};
  const unsafe = [...unsafeFields('cluster', cluster), ...unsafeFields('user', user)];
  if (unsafe.length === 0) return undefined;
  const what = unsafe.map((field) => `${field.path} (${field.reason})`).join('; ');
  return new TunnelError(
    'KUBECONFIG',
    `${file}: context ${JSON.stringify(context)} carries what tunnel never writes: ${what}.`,
    {
      hint: `Someone edited it, or an older tunnel copied it from the dev server. Delete it (kubectl config delete-context ${pasteWord(context, '<context>')}; delete-cluster and delete-user likewise) and run tunnel connect again.`,
    },
  );
}

function getVersion(credentials: ContextCredentials, probe: KubeContextProbe): Promise<string> {
  const url = new URL('/version', credentials.server);
  return new Promise((resolve, reject) => {
    const request = https.get(url, {
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.key,
      timeout: 10_000,
      agent: false,
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', (error) => reject(requestError(probe, credentials.server, error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(requestError(probe, credentials.server, error)));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) return reject(statusError(probe, response.statusCode ?? 0));
        try {
          resolve(parseVersion(JSON.parse(text)).gitVersion);
        } catch (error) {
          reject(
            error instanceof TunnelError ? error : requestError(probe, credentials.server, error as Error),
          );
        }
      });
    });
  });
}

// A pasteable line: the context name may come from the dev server (a cluster's name).
function tryItYourself(probe: KubeContextProbe): string {
  const file = pasteWord(probe.kubeconfigFile, '<kubeconfig>');
  return `Try it yourself: kubectl --kubeconfig ${file} --context ${pasteWord(probe.context, '<context>')} get --raw /version`;
}

function requestError(
  probe: KubeContextProbe,
  server: string,
  error: Error & { code?: string },
): TunnelError {
  const refused = error.code === 'ECONNREFUSED';
  return new TunnelError('KUBE_API', `${server}: ${refused ? 'nothing listens there' : error.message}`, {
    hint: refused
      ? `The context points at a port the session does not hold (forward at ${probe.address}); reconnect: tunnel connect <host>`
      : tryItYourself(probe),
    cause: error,
  });
}

function statusError(probe: KubeContextProbe, status: number): TunnelError {
  return new TunnelError('KUBE_API', `the API answered ${status} to GET /version`, {
    hint:
      status === 401
        ? 'The context holds credentials of an older cluster (re-created?); tunnel connect fetches them again.'
        : tryItYourself(probe),
  });
}

/** The contexts (of those named) in `file` that carry fields tunnel never writes; [] without the file. */
export async function unsafeContexts(file: string, contexts: readonly string[]): Promise<UnsafeContext[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const doc = parseDocument(text, { version: '1.1' });
  const config: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  if (!isFields(config)) return [];
  return contexts.flatMap((context) => {
    const problem = unsafeProblem(config, context, file);
    return problem ? [{ context, problem: problem.message, hint: problem.hint ?? '' }] : [];
  });
}

export async function kubeVersionViaContext(probe: KubeContextProbe): Promise<string> {
  const text = await fs.readFile(probe.kubeconfigFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new TunnelError(
      'KUBECONFIG',
      `Cannot read ${probe.kubeconfigFile}: ${error.code ?? error.message}`,
      {
        hint: 'The session wrote its kube context there; tunnel connect <host> writes it again.',
      },
    );
  });
  return await getVersion(contextCredentials(text, probe.context, probe.kubeconfigFile), probe);
}
