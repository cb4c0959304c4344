// What answers behind the demo cluster's ports on the pretend dev server: an HTTP app behind the service port
// and a small Kubernetes API (HTTPS, client certificate required, like k3s) behind the API port. Neither
// listens on a socket: each SSH direct-tcpip channel is handed to the server as a connection.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { DEMO_K3S_VERSION, type DemoCluster } from './world.js';

export interface DemoEndpoints {
  /** What serves connections to host:port on the dev server; undefined when nothing listens there. */
  serverFor(host: string, port: number): ((stream: Duplex) => void) | undefined;
  close(): void;
}

function send(response: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function serviceServer(cluster: DemoCluster): http.Server {
  return http.createServer((request, response) => {
    request.resume();
    const text = `hello from ${cluster.name} via nodePort ${cluster.nodePort} (host port ${cluster.servicePort})\n`;
    send(response, 200, text, 'text/plain; charset=utf-8');
  });
}

const column = (name: string, format = '') => ({
  name,
  type: 'string',
  format,
  description: '',
  priority: 0,
});

function podTable(cluster: DemoCluster) {
  const name = 'hello-7c9d6f5b8d-x2kqp';
  const age = `${Math.max(1, Math.round((Date.now() - Date.parse(cluster.createdAt)) / 60_000))}m`;
  const metadata = { name, namespace: 'default', creationTimestamp: cluster.createdAt };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '1' },
    columnDefinitions: [
      column('Name', 'name'),
      column('Ready'),
      column('Status'),
      column('Restarts'),
      column('Age'),
    ],
    rows: [
      {
        cells: [name, '1/1', 'Running', '0', age],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata },
      },
    ],
  };
}

const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'list'],
        shortNames: ['po'],
      },
    ],
  },
};

function apiHandler(cluster: DemoCluster) {
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    request.resume();
    const path = new URL(request.url ?? '/', 'https://demo').pathname.replace(/\/+$/, '') || '/';
    if (path === '/version') {
      const [major = '1', minor = '31'] = DEMO_K3S_VERSION.slice(1).split('.');
      return send(response, 200, {
        major,
        minor,
        gitVersion: DEMO_K3S_VERSION.replace('-k3s', '+k3s'),
        platform: 'linux/amd64',
      });
    }
    if (DISCOVERY[path]) return send(response, 200, DISCOVERY[path]);
    if (path === '/api/v1/namespaces/default/pods' || path === '/api/v1/pods') {
      return send(response, 200, podTable(cluster), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    }
    send(response, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
  };
}

function apiServer(cluster: DemoCluster): https.Server | undefined {
  const certs = cluster.certs;
  if (!certs) return undefined;
  // As k3s with anonymous auth off: a client certificate signed by the client CA, or no TLS session.
  const options = { cert: certs.servingCert, key: certs.servingKey, ca: certs.clientCa, requestCert: true };
  return https.createServer({ ...options, rejectUnauthorized: true }, apiHandler(cluster));
}

export function demoEndpoints(cluster: DemoCluster): DemoEndpoints {
  const service = serviceServer(cluster);
  const api = apiServer(cluster);
  // A client that sends garbage, or no certificate, is the client's problem: never crash the demo.
  api?.on('tlsClientError', () => {});
  const open = new Set<Duplex>();
  return {
    serverFor: (host, port) => {
      if (host !== '127.0.0.1' && host !== 'localhost') return undefined;
      const server = port === cluster.servicePort ? service : port === cluster.apiPort ? api : undefined;
      if (!server) return undefined;
      return (stream) => {
        open.add(stream);
        stream.once('close', () => open.delete(stream));
        // node:http and node:tls take any Duplex as a connection (documented for the 'connection' event).
        server.emit('connection', stream);
      };
    },
    close: () => {
      for (const stream of open) stream.destroy();
    },
  };
}
