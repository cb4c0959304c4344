// A 404 from the Kubernetes API, truthfully: the object tunnel asked about is not there (deleted after it
// was read, or in another namespace), with the kubectl command that shows where it is; or the API does not
// serve the path at all. Names from the path reach the command only when they are DNS labels.
import { TunnelError } from '../errors.js';
import { isDnsLabel } from '../plan/kube-names.js';
import type { ApiRequest } from './api-errors.js';

export interface NotFoundInput {
  /** The dev server's alias. */
  host: string;
  /** Who answered, at the start of a sentence ("The Kubernetes API of cluster …"). */
  subject: string;
  request: ApiRequest;
  /** ": <the API's message>", or "". */
  said: string;
  /** The ssh + k3d kubeconfig + kubectl command the other hints use, ending in `get services -A`. */
  checkKubeconfig: string;
}

// Only a DNS label (plan/kube-names.ts), as Kubernetes names Services and namespaces, is pasted into a command.

/** The namespace, resource and name of an object path, `/api/v1/namespaces/<ns>/<resource>/<name>`. A name
 * that needed percent-encoding is no DNS label, so the raw segments are what isDnsLabel judges. */
function objectOf(path: string): { namespace: string; resource: string; name: string } | undefined {
  const [, namespace = '', resource = '', name = ''] =
    /^\/api\/v1\/namespaces\/([^/?]+)\/([a-z]+)\/([^/?]+)/.exec(path) ?? [];
  return resource ? { namespace, resource, name } : undefined;
}

/** 404: the object is not there (deleted, or never in that namespace); or the API does not serve the path. */
export function notFoundError(input: NotFoundInput): TunnelError {
  const { request, said, checkKubeconfig } = input;
  const asked = `${request.method} ${request.path}`;
  const object = objectOf(request.path);
  if (!object) {
    return new TunnelError('KUBE_API', `${input.subject} does not serve ${asked} (404 Not Found)${said}`, {
      hint: `The port may belong to something that is not a Kubernetes API server. Compare: tunnel clusters ${input.host}`,
    });
  }
  const kind = object.resource.replace(/s$/, '');
  const name = isDnsLabel(object.name) ? object.name : '<name>';
  const namespace = isDnsLabel(object.namespace) ? object.namespace : '<namespace>';
  const find = checkKubeconfig.replace(
    'get services -A',
    `get ${object.resource} -A --field-selector metadata.name=${name}`,
  );
  return new TunnelError(
    'KUBE_API',
    `${input.subject} has no ${kind} ${namespace}/${name} (404 Not Found)${said}`,
    {
      hint:
        `The ${kind} was deleted after tunnel read it, or it lives in another namespace. ` +
        `See where (if anywhere) it is now: ${find}; then run the command again.`,
    },
  );
}
