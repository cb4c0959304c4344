// The Kubernetes API of one cluster, reached through the SSH connection: each request opens a channel to the
// API's address on the dev server (forwardOut) and runs TLS + HTTP/1.1 over it (https-channel.ts). Only the
// calls tunnel needs: GET /version, list Services, Nodes and Pods in all namespaces, PATCH a Service.

import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import type { SshConnection } from '../ssh/types.js';
import { VERSION } from '../version.js';
import { type ApiContext, type ApiRequest, statusError } from './api-errors.js';
import { type KubeCredentials, type RawResponse, requestOverChannel } from './https-channel.js';
import {
  type KubeList,
  type KubeNode,
  type KubePod,
  type KubeService,
  type KubeTolerantList,
  type KubeVersion,
  parseListPage,
  parseNode,
  parsePod,
  parseService,
  parseVersion,
} from './types.js';

export type { KubeCredentials } from './https-channel.js';

export interface KubeApiOptions {
  connection: SshConnection;
  /** Where the dev server reaches the API: k3d's API mapping (a wildcard host means 127.0.0.1). */
  address: { host: string; port: number };
  credentials: KubeCredentials;
  /** The k3d cluster name, for messages. */
  cluster: string;
  /** Per request, channel opening and TLS handshake included; default 20 s. */
  timeoutMs?: number;
  /** Per response; default 8 MiB (lists are paged, so one page stays far below). */
  maxResponseBytes?: number;
}

export interface PatchOptions {
  /** Server-side dry run (?dryRun=All): validated and answered as if applied, nothing stored. */
  dryRun?: boolean;
}

/**
 * How every request reaches the API: a fresh channel to its address on the dev server, the credentials for
 * TLS, the context for messages. Streaming calls (watch.ts, pod-forward.ts) open their own over it.
 */
export interface ApiChannel {
  open: () => Promise<Duplex>;
  credentials: KubeCredentials;
  context: ApiContext;
}

export interface KubeApi {
  readonly context: ApiContext;
  /** For streaming calls that do not fit request/response (a watch, a pod port-forward). */
  readonly channel: ApiChannel;
  version(): Promise<KubeVersion>;
  /** Every Service in every namespace (GET /api/v1/services, paged). */
  listServices(): Promise<KubeService[]>;
  /**
   * The same, with the list's resourceVersion: where a watch of Services starts (service-catalog.ts).
   * Tolerant: a malformed Service is skipped and counted, as the watch skips one.
   */
  listServicesAt(): Promise<KubeTolerantList<KubeService>>;
  /** Every Node (GET /api/v1/nodes, paged) and the list's resourceVersion; tolerant like listServicesAt. */
  listNodes(): Promise<KubeTolerantList<KubeNode>>;
  /** Every Pod in every namespace (GET /api/v1/pods, paged). */
  listPods(): Promise<KubePod[]>;
  /** GET one path (query included) and answer its JSON, for reads with no parser of their own here. */
  getJson(path: string): Promise<unknown>;
  /** PATCH with a JSON merge patch (application/merge-patch+json); answers the Service as stored. */
  patchService(namespace: string, name: string, patch: object, options?: PatchOptions): Promise<KubeService>;
}

const PAGE_SIZE = 250;
const MAX_PAGES = 400;

export function createKubeApi(options: KubeApiOptions): KubeApi {
  const { host, port } = options.address;
  const context: ApiContext = {
    host: options.connection.target.alias,
    cluster: options.cluster,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
  const call = async (request: ApiRequest & { body?: string; contentType?: string }): Promise<unknown> => {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': `tunnel/${VERSION}` };
    if (request.contentType) headers['Content-Type'] = request.contentType;
    const response = await requestOverChannel({
      ...request,
      open: () => options.connection.forwardOut(host, port),
      credentials: options.credentials,
      context,
      headers,
      timeoutMs: options.timeoutMs ?? 20_000,
      maxResponseBytes: options.maxResponseBytes ?? 8 * 1024 * 1024,
    });
    const body = decode(response);
    if (response.status < 200 || response.status > 299)
      throw statusError(context, request, response.status, body);
    if (typeof body === 'string') throw notJson(context, request, response);
    return body;
  };
  const listRaw = (path: string, kind: string) => listPages(call, { path, kind, cluster: options.cluster });
  // Strict: `nodeports` and `doctor` report on (and patch) exactly what they read.
  const list = async <T>(
    path: string,
    kind: string,
    parse: (item: unknown, index: number) => T,
  ): Promise<T[]> => (await listRaw(path, kind)).items.map((item, index) => parse(item, index));
  const tolerant = async <T>(
    path: string,
    kind: string,
    parse: (item: unknown, index: number) => T,
  ): Promise<KubeTolerantList<T>> => {
    const raw = await listRaw(path, kind);
    return { ...parseEach(raw.items, parse), resourceVersion: raw.resourceVersion };
  };
  return {
    context,
    channel: {
      open: () => options.connection.forwardOut(host, port),
      credentials: options.credentials,
      context,
    },
    getJson: (path) => call({ method: 'GET', path }),
    version: async () => parseVersion(await call({ method: 'GET', path: '/version' })),
    listServices: () => list('/api/v1/services', 'Service', parseService),
    listServicesAt: () => tolerant('/api/v1/services', 'Service', parseService),
    listNodes: () => tolerant('/api/v1/nodes', 'Node', parseNode),
    listPods: () => list('/api/v1/pods', 'Pod', parsePod),
    patchService: async (namespace, name, patch, patchOptions = {}) => {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`;
      const body = await call({
        method: 'PATCH',
        path: patchOptions.dryRun ? `${path}?dryRun=All` : path,
        body: JSON.stringify(patch),
        contentType: 'application/merge-patch+json',
      });
      return parseService(body);
    },
  };
}

type ApiCall = (request: ApiRequest) => Promise<unknown>;

/** Every page's items, unparsed, and the list's resourceVersion (at most MAX_PAGES pages). */
async function listPages(
  call: ApiCall,
  list: { path: string; kind: string; cluster: string },
): Promise<KubeList<unknown>> {
  const { path, kind } = list;
  const items: unknown[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `?limit=${PAGE_SIZE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const result = parseListPage(await call({ method: 'GET', path: path + query }), kind);
    items.push(...result.items);
    token = result.continueToken;
    if (!token) return { items, resourceVersion: result.resourceVersion };
  }
  throw new TunnelError(
    'KUBE_API',
    `The ${kind} list of cluster ${JSON.stringify(list.cluster)} has more than ${PAGE_SIZE * MAX_PAGES} items; tunnel stopped reading.`,
    {
      hint: 'tunnel reads every page of a list; a list this long is unexpected for a development cluster.',
    },
  );
}

/** Every item that parses; the others counted, with the first one's problem. */
export function parseEach<T>(
  items: readonly unknown[],
  parse: (item: unknown, index: number) => T,
): Pick<KubeTolerantList<T>, 'items' | 'rejected' | 'firstProblem'> {
  const parsed: T[] = [];
  let rejected = 0;
  let firstProblem: string | undefined;
  for (const [index, item] of items.entries()) {
    try {
      parsed.push(parse(item, index));
    } catch (error) {
      rejected++;
      firstProblem ??= remoteText(error instanceof Error ? error.message : String(error), 300);
    }
  }
  return { items: parsed, rejected, firstProblem };
}

/** JSON when the server says so (or it parses), else the text: error bodies are shown either way. */
function decode(response: RawResponse): unknown {
  const text = response.body.toString('utf8');
  if (/json/i.test(response.contentType) || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function notJson(context: ApiContext, request: ApiRequest, response: RawResponse): TunnelError {
  const start = remoteText(response.body.toString('utf8', 0, 80));
  return new TunnelError(
    'KUBE_API',
    `The API of cluster ${JSON.stringify(context.cluster)} answered ${request.method} ${request.path} with ${response.contentType || 'no content type'}, not JSON: ${JSON.stringify(start)}`,
    {
      hint: `Is ${context.address} on ${context.host} really this cluster's Kubernetes API? Compare: tunnel clusters ${context.host}`,
    },
  );
}
