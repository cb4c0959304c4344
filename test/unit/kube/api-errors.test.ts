import { describe, expect, it } from 'vitest';
import { statusError, timeoutError, tlsError, transportError } from '../../../src/kube/api-errors.js';

const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
const patch = { method: 'PATCH', path: '/api/v1/namespaces/default/services/web' };

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('statusError', () => {
  it('names the kubeconfig certificates on 401', () => {
    const error = statusError(context, patch, 401, status(401, 'Unauthorized', 'Unauthorized'));
    expect(error.code).toBe('KUBE_API');
    expect(error.message).toMatch(
      /refused the client certificate from k3d's kubeconfig \(401 Unauthorized\)/,
    );
    expect(error.hint).toContain("ssh devserver 'k3d kubeconfig get my-app");
  });

  it('says who may not do what on 403', () => {
    const message =
      'services "web" is forbidden: User "dev" cannot patch resource "services" in the namespace "default"';
    const error = statusError(context, patch, 403, status(403, 'Forbidden', message));
    expect(error.message).toContain(`forbids PATCH ${patch.path}`);
    expect(error.message).toContain(message);
    expect(error.hint).toContain('auth can-i patch services -A');
  });

  it("quotes the API's own message on 422, escaped", () => {
    const message =
      'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 30300: provided port is already allocated\n\x1b[31m';
    const error = statusError(context, patch, 422, status(422, 'Invalid', message));
    expect(error.message).toContain('(422 Invalid): Service "web" is invalid');
    expect(error.message).toContain('provided port is already allocated\\x0a\\x1b[31m');
    expect(error.hint).toContain('another Service took that NodePort');
  });

  it('asks to re-plan on a 409 conflict', () => {
    const error = statusError(context, patch, 409, status(409, 'Conflict', 'the object has been modified'));
    expect(error.message).toMatch(/changed since tunnel read it \(409\)/);
    expect(error.hint).toMatch(/run the command again/);
  });

  it('says a 404 object is not there (deleted or another namespace), with the command to find it', () => {
    const error = statusError(context, patch, 404, status(404, 'NotFound', 'services "web" not found'));
    expect(error.message).toContain('has no service default/web (404 Not Found): services "web" not found');
    expect(error.hint).toContain('was deleted after tunnel read it, or it lives in another namespace');
    expect(error.hint).toContain(
      "ssh devserver 'k3d kubeconfig get my-app > /tmp/k3d.yaml && kubectl --kubeconfig /tmp/k3d.yaml get services -A --field-selector metadata.name=web'",
    );
    expect(error.hint).not.toMatch(/changed while tunnel worked/);
  });

  it('keeps a hostile object name out of the 404 command', () => {
    const path = `/api/v1/namespaces/default/services/${encodeURIComponent("x';rm -rf ~")}`;
    const error = statusError(context, { method: 'PATCH', path }, 404, status(404, 'NotFound', 'gone'));
    expect(error.message).toContain('has no service default/<name>');
    expect(error.hint).toContain('metadata.name=<name>');
    expect(error.hint).not.toContain('rm -rf');
  });

  it('says a 404 on a path that is no object means the API does not serve it', () => {
    const error = statusError(
      context,
      { method: 'GET', path: '/api/v1/services' },
      404,
      '404 page not found',
    );
    expect(error.message).toContain('does not serve GET /api/v1/services (404 Not Found)');
    expect(error.hint).toContain('not a Kubernetes API server');
  });

  it('shows a body that is not a Status as text', () => {
    const error = statusError(context, { method: 'GET', path: '/version' }, 503, 'upstream connect error');
    expect(error.message).toMatch(/is not healthy: 503 to GET \/version: upstream connect error/);
  });

  it('keeps a hostile cluster name out of suggested commands', () => {
    const hostile = { ...context, cluster: "x'; rm -rf ~" };
    const error = statusError(hostile, patch, 401, status(401, 'Unauthorized', 'Unauthorized'));
    expect(error.hint).toContain('k3d kubeconfig get <cluster>');
    expect(error.hint).not.toContain('rm -rf');
  });
});

describe('tlsError', () => {
  it('names a certificate that does not verify against the CA', () => {
    const error = tlsError(
      context,
      nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
    );
    expect(error.message).toMatch(
      /^TLS verification failed: the certificate of the Kubernetes API of cluster "my-app"/,
    );
    expect(error.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(error.hint).toContain('tunnel never skips this check');
  });

  it('names a certificate for another name', () => {
    const error = tlsError(
      context,
      nodeError(
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
      ),
    );
    expect(error.message).toMatch(/^TLS verification failed: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('says how k3s renews an expired certificate', () => {
    const error = tlsError(context, nodeError('CERT_HAS_EXPIRED', 'certificate has expired'));
    expect(error.hint).toContain('k3d cluster stop my-app && k3d cluster start my-app');
  });

  it('reads a TLS alert as the server refusing the handshake', () => {
    const error = tlsError(
      context,
      nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'),
    );
    expect(error.message).toMatch(
      /^The TLS handshake with .* failed: .*ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/,
    );
    expect(error.hint).toContain('rejects the client certificate');
  });

  it('names certificates from the kubeconfig that cannot be loaded', () => {
    const error = tlsError(
      context,
      nodeError('ERR_OSSL_PEM_NO_START_LINE', 'error:0480006C:PEM routines::no start line'),
    );
    expect(error.message).toMatch(/certificates in k3d's kubeconfig for "my-app" could not be loaded/);
  });
});

describe('timeouts and broken connections', () => {
  it('says which request got no answer', () => {
    const error = timeoutError(context, { method: 'GET', path: '/api/v1/services' }, 20_000);
    expect(error.message).toContain('did not answer GET /api/v1/services within 20000 ms');
  });

  it('reads a reset without an answer as a probable certificate refusal', () => {
    const error = transportError(context, patch, nodeError('ECONNRESET', 'socket hang up'));
    expect(error.message).toMatch(/closed the connection without answering PATCH/);
    expect(error.hint).toContain('client certificate');
  });
});
