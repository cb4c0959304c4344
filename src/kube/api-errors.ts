// Kubernetes API failures → TunnelErrors (pure). Decided by HTTP status and Node's TLS error codes, never by
// the words of a message; the API's own message (a Status object) is quoted, escaped, as what happened.
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import { notFoundError } from './not-found.js';

/** Who was asked: for messages and hints. */
export interface ApiContext {
  /** The ssh alias of the dev server. */
  host: string;
  cluster: string;
  /** Where the dev server reaches the API, e.g. 127.0.0.1:16443. */
  address: string;
}

export interface ApiRequest {
  method: string;
  path: string;
}

/** The `message` and `reason` of a Kubernetes Status body, when the body is one. */
export function statusOf(body: unknown): { message: string | undefined; reason: string | undefined } {
  if (typeof body !== 'object' || body === null) return { message: undefined, reason: undefined };
  const { message, reason } = body as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? message : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}

// API messages come from the remote: redacted, control characters escaped, long ones shortened.
function shown(text: string): string {
  return remoteText(text, 600);
}

function clusterWord(context: ApiContext): string {
  return isSafeClusterName(context.cluster) ? context.cluster : '<cluster>';
}

/** `who` at the start of a sentence. */
function subject(context: ApiContext): string {
  const text = who(context);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function who(context: ApiContext): string {
  return `the Kubernetes API of cluster ${JSON.stringify(context.cluster)} (${context.address} on ${context.host})`;
}

/** A non-2xx answer. `body` is the parsed JSON (a Status, usually) or the raw text. */
export function statusError(
  context: ApiContext,
  request: ApiRequest,
  status: number,
  body: unknown,
): TunnelError {
  const parsed = statusOf(body);
  const detail = parsed.message ?? (typeof body === 'string' && body.trim() !== '' ? body.trim() : undefined);
  const said = detail ? `: ${shown(detail)}` : '';
  const asked = `${request.method} ${request.path}`;
  const checkKubeconfig =
    `ssh ${context.host} 'k3d kubeconfig get ${clusterWord(context)} > /tmp/k3d.yaml && ` +
    `kubectl --kubeconfig /tmp/k3d.yaml get services -A'`;
  if (status === 401) {
    return new TunnelError(
      'KUBE_API',
      `${subject(context)} refused the client certificate from k3d's kubeconfig (401 Unauthorized).`,
      {
        hint:
          "The certificate k3d printed is not signed by this API server's client CA: the cluster was probably " +
          `re-created or its certificates rotated after k3d wrote its copy. Check on the dev server: ${checkKubeconfig}`,
      },
    );
  }
  if (status === 403) {
    return new TunnelError(
      'KUBE_API',
      `${subject(context)} forbids ${asked} for the user in k3d's kubeconfig (403)${said}`,
      {
        hint:
          "k3d's kubeconfig normally holds the cluster admin (system:masters). If the certificates were replaced, " +
          `check what that user may do: ${checkKubeconfig.replace('get services -A', 'auth can-i patch services -A')}`,
      },
    );
  }
  if (status === 409) {
    return new TunnelError(
      'KUBE_API',
      `${subject(context)} refused ${asked}: the object changed since tunnel read it (409)${said}`,
      {
        hint: `Someone else changed it meanwhile; run the command again to plan against its current state.`,
      },
    );
  }
  if (status === 422) {
    return new TunnelError('KUBE_API', `${subject(context)} rejected ${asked} (422 Invalid)${said}`, {
      hint:
        '"provided port is already allocated": another Service took that NodePort meanwhile; ' +
        '"not in the valid range": the cluster uses another --service-node-port-range. Run the command again to re-plan.',
    });
  }
  if (status === 404)
    return notFoundError({ host: context.host, subject: subject(context), request, said, checkKubeconfig });
  if (status === 410) {
    return new TunnelError('KUBE_API', `${subject(context)} answered 410 Gone to ${asked}${said}`, {
      hint: 'The list being read changed faster than tunnel paged through it; run the command again.',
    });
  }
  const kind = status >= 500 || status === 429 ? 'is not healthy' : 'did not accept the request';
  return new TunnelError('KUBE_API', `${subject(context)} ${kind}: ${status} to ${asked}${said}`, {
    hint:
      status >= 500 || status === 429
        ? `The cluster may be starting or overloaded; retry in a moment. See: ssh ${context.host} docker ps`
        : 'This is probably a bug in tunnel; please report it with the command you ran.',
  });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  return shown(error instanceof Error ? error.message : String(error));
}

// Node's certificate verification codes (OpenSSL X509_V_ERR_* names) and the hostname check.
const VERIFY_CODES =
  /^(UNABLE_TO_|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|HOSTNAME_MISMATCH)/;

/** The TLS connection to the API failed: verification of its certificate, or the handshake itself. */
export function tlsError(context: ApiContext, error: unknown): TunnelError {
  const code = errorCode(error);
  if (error instanceof TunnelError) return error;
  if (VERIFY_CODES.test(code)) {
    const expired = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID';
    return new TunnelError(
      'KUBE_API',
      `TLS verification failed: the certificate of ${who(context)} does not verify against the CA in k3d's kubeconfig (${code}: ${messageOf(error)}).`,
      {
        hint: expired
          ? `k3s renews its certificates when it starts: on the dev server, k3d cluster stop ${clusterWord(context)} && k3d cluster start ${clusterWord(context)}`
          : "The port may now belong to another (re-created) cluster, or to something that is not this cluster's API. " +
            `Compare: tunnel clusters ${context.host}; tunnel never skips this check.`,
      },
    );
  }
  if (/^ERR_OSSL_|^ERR_INVALID_ARG/.test(code) && !/ALERT/.test(code)) {
    return new TunnelError(
      'KUBE_API',
      `The certificates in k3d's kubeconfig for ${JSON.stringify(context.cluster)} could not be loaded: ${messageOf(error)}`,
      {
        hint: `See what k3d prints: ssh ${context.host} k3d kubeconfig get ${clusterWord(context)}`,
      },
    );
  }
  return new TunnelError(
    'KUBE_API',
    `The TLS handshake with ${who(context)} failed: ${messageOf(error)}${code ? ` (${code})` : ''}`,
    {
      hint:
        'An API server that rejects the client certificate ends the handshake like this; so does a port where ' +
        `something other than the cluster's API listens. Compare: tunnel clusters ${context.host}`,
    },
  );
}

export function timeoutError(context: ApiContext, request: ApiRequest, timeoutMs: number): TunnelError {
  return new TunnelError(
    'KUBE_API',
    `${subject(context)} did not answer ${request.method} ${request.path} within ${timeoutMs} ms.`,
    {
      hint: `The cluster may be paused or overloaded. See: ssh ${context.host} docker ps; tunnel clusters ${context.host}`,
    },
  );
}

export function tooLargeError(context: ApiContext, request: ApiRequest, limit: number): TunnelError {
  return new TunnelError(
    'KUBE_API',
    `${subject(context)} sent more than ${limit} bytes for ${request.method} ${request.path}; tunnel stopped reading.`,
    {
      hint:
        'Lists are read in pages of 250 items; a single object this large is unexpected. Check: kubectl get --raw ' +
        request.path,
    },
  );
}

/** The connection dropped after TLS was up (the SSH channel or the API server went away mid-request). */
export function transportError(context: ApiContext, request: ApiRequest, error: unknown): TunnelError {
  if (error instanceof TunnelError) return error;
  if (errorCode(error) === 'ECONNRESET') {
    return new TunnelError(
      'KUBE_API',
      `${subject(context)} closed the connection without answering ${request.method} ${request.path}.`,
      {
        hint:
          "An API server that does not accept the client certificate from k3d's kubeconfig hangs up like this " +
          `(so does a cluster that is shutting down). Compare: tunnel clusters ${context.host}`,
      },
    );
  }
  return new TunnelError(
    'KUBE_API',
    `The connection to ${who(context)} broke during ${request.method} ${request.path}: ${messageOf(error)}`,
    {
      hint: 'The SSH connection or the cluster went away; run the command again.',
    },
  );
}
