// The simulated k3s API server behind a cluster's API port: enough of the Kubernetes REST API for the real
// kubectl (discovery, version, health, get/list of pods/services/nodes/namespaces as JSON or Table, PATCH of
// Services). Authentication as k3s with --anonymous-auth=false: a verified client certificate or 401.
import crypto from 'node:crypto';
import { etcdQuorum } from './cluster-build.mjs';
import { discovery, KINDS, versionInfo } from './k8s-discovery.mjs';
import { endpointSlices } from './k8s-endpointslices.mjs';
import { statusObject } from './k8s-objects.mjs';
import {
  defaultService,
  jsonPatch,
  mergePatch,
  staleVersion,
  strategicMergePatch,
  validateService,
} from './k8s-patch.mjs';
import { itemFilter } from './k8s-query.mjs';
import { toTable } from './k8s-tables.mjs';

function send(response, code, body, contentType = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache, private',
    'Audit-Id': crypto.randomUUID(),
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function failure(response, code, reason, message, details) {
  send(response, code, statusObject(code, reason, message, details));
}

function listItems(items, namespace, query) {
  const key = (item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
  return items.filter(itemFilter(namespace, query)).sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

function respondList(request, response, cluster, { resource, namespace, query, items: source }) {
  const all = listItems(source ?? cluster.kube[resource], namespace, query);
  const { kind, apiVersion } = KINDS[resource];
  const offset = Number(Buffer.from(query.get('continue') ?? '', 'base64').toString() || 0);
  const limit = Number(query.get('limit') ?? 0) || all.length;
  const items = all.slice(offset, offset + limit);
  const more = offset + limit < all.length;
  const resourceVersion = cluster.kube.resourceVersion;
  if ((request.headers.accept ?? '').includes('as=Table')) {
    const table = toTable(resource, items, {
      resourceVersion,
      includeObject: query.get('includeObject') ?? 'Metadata',
      kind,
    });
    if (more) table.metadata.continue = Buffer.from(String(offset + limit)).toString('base64');
    return send(response, 200, table, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  }
  const metadata = { resourceVersion: String(resourceVersion) };
  if (more)
    Object.assign(metadata, {
      continue: Buffer.from(String(offset + limit)).toString('base64'),
      remainingItemCount: all.length - offset - limit,
    });
  send(response, 200, { kind: `${kind}List`, apiVersion, metadata, items });
}

function patchService(response, context, { namespace, name, body, contentType, query }) {
  const { cluster, persist } = context;
  const services = cluster.kube.services;
  const index = services.findIndex(
    (item) => item.metadata.namespace === namespace && item.metadata.name === name,
  );
  if (index < 0)
    return failure(response, 404, 'NotFound', `services "${name}" not found`, { name, kind: 'services' });
  const current = services[index];
  let patched;
  try {
    const patch = JSON.parse(body);
    if (contentType === 'application/merge-patch+json') patched = mergePatch(current, patch);
    else if (contentType === 'application/strategic-merge-patch+json')
      patched = strategicMergePatch(current, patch);
    else if (contentType === 'application/json-patch+json') patched = jsonPatch(current, patch);
    else
      return failure(
        response,
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
  } catch (error) {
    return failure(response, 400, 'BadRequest', `error decoding patch: ${error.message}`);
  }
  const conflict = staleVersion(patched, current);
  if (conflict) return failure(response, 409, 'Conflict', conflict, { name, kind: 'services' });
  patched.metadata = { ...patched.metadata, name, namespace, uid: current.metadata.uid };
  defaultService(patched, services);
  const errors = validateService(patched, services);
  if (errors.length > 0) {
    const message = `Service "${name}" is invalid: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`;
    const causes = errors.map((text) => ({
      reason: 'FieldValueInvalid',
      message: text.slice(text.indexOf(': ') + 2),
      field: text.slice(0, text.indexOf(':')),
    }));
    return failure(response, 422, 'Invalid', message, { name, kind: 'Service', causes });
  }
  if (query.get('dryRun') !== 'All') {
    cluster.kube.resourceVersion += 1;
    patched.metadata.resourceVersion = String(cluster.kube.resourceVersion);
    services[index] = patched;
    persist();
    context.live?.record(cluster, 'services', 'MODIFIED', patched, current);
  }
  send(response, 200, { kind: 'Service', apiVersion: 'v1', ...patched });
}

function route(request, response, context, body) {
  const { cluster } = context;
  const url = new URL(request.url ?? '/', 'https://apiserver');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const query = url.searchParams;
  if (['/healthz', '/livez', '/readyz'].includes(path))
    return send(response, 200, 'ok', 'text/plain; charset=utf-8');
  if (path === '/version') return send(response, 200, versionInfo(context.k3sVersion));
  const documents = discovery(cluster);
  if (documents[path]) return send(response, 200, documents[path]);
  const slices = path.match(/^\/apis\/discovery\.k8s\.io\/v1(?:\/namespaces\/([^/]+))?\/endpointslices$/);
  if (slices && request.method === 'GET') {
    const options = {
      resource: 'endpointslices',
      namespace: slices[1],
      query,
      items: endpointSlices(cluster),
    };
    return respondList(request, response, cluster, options);
  }
  const match = path.match(
    /^\/api\/v1(?:\/namespaces\/([^/]+)(?=\/(?:pods|services)))?\/(namespaces|nodes|pods|services)(?:\/([^/]+))?$/,
  );
  if (!match)
    return failure(response, 404, 'NotFound', 'the server could not find the requested resource', {});
  const [, namespace, resource, name] = match;
  if (query.get('watch') === 'true' || query.get('watch') === '1') {
    const encode = (kind, object) => encodeObject(request, query, { resource: kind, object });
    const filter = itemFilter(namespace, query);
    return context.live.serve(response, { cluster, resource, query, filter, encode });
  }
  if (request.method === 'PATCH' && resource === 'services' && namespace && name) {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim();
    return patchService(response, context, { namespace, name, body, contentType, query });
  }
  if (request.method !== 'GET')
    return failure(
      response,
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource`,
    );
  if (!name) return respondList(request, response, cluster, { resource, namespace, query });
  const item = cluster.kube[resource].find(
    (candidate) =>
      candidate.metadata.name === name && (candidate.metadata.namespace ?? '') === (namespace ?? ''),
  );
  if (!item)
    return failure(response, 404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
  const table = (request.headers.accept ?? '').includes('as=Table');
  const contentType = table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json';
  send(response, 200, encodeObject(request, query, { resource, object: item }), contentType);
}

/** One object as the client asked for it: itself with kind and apiVersion, or a one-row Table. */
function encodeObject(request, query, { resource, object }) {
  const { kind, apiVersion } = KINDS[resource];
  if (!(request.headers.accept ?? '').includes('as=Table')) return { kind, apiVersion, ...object };
  const includeObject = query.get('includeObject') ?? 'Metadata';
  return toTable(resource, [object], {
    resourceVersion: object.metadata.resourceVersion,
    includeObject,
    kind,
  });
}

/**
 * The request handler for one cluster's HTTPS server. `getContext()` returns { cluster, k3sVersion, persist }
 * at request time, so PATCHes and reloads are seen by the next request.
 */
export function createApiHandler(getContext) {
  return (request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const context = getContext();
      if (!context) return failure(response, 503, 'ServiceUnavailable', 'the cluster is gone');
      if (!request.socket.authorized) return failure(response, 401, 'Unauthorized', 'Unauthorized');
      // The serverlb still proxies to the server left, but its etcd has no leader: every request times out.
      if (!etcdQuorum(context.cluster))
        return failure(response, 500, 'InternalError', 'etcdserver: request timed out');
      try {
        route(request, response, context, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        failure(response, 500, 'InternalError', `[simulator] ${error.stack ?? error}`);
      }
    });
  };
}
