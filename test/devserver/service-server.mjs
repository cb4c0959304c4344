// What answers behind a published service port: the Service whose NodePort (or LoadBalancer port, via
// klipper's hostPort) is the mapped container port, if a ready pod backs it. The HTTP body names cluster,
// NodePort and host port so a test can tell which forward reached which cluster.

function selects(selector, labels = {}) {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The Service reachable at `containerPort` on the cluster's nodes, or undefined (nginx then closes). */
export function serviceBehind(cluster, containerPort) {
  for (const service of cluster.kube.services) {
    const { spec } = service;
    // The published port is TCP: a UDP port with the same number answers nothing here.
    const tcp = spec.ports.filter((port) => (port.protocol ?? 'TCP') === 'TCP');
    const viaNodePort = spec.type !== 'ClusterIP' && tcp.some((port) => port.nodePort === containerPort);
    const viaLoadBalancer = spec.type === 'LoadBalancer' && tcp.some((port) => port.port === containerPort);
    if (!viaNodePort && !viaLoadBalancer) continue;
    const ready = (pod) =>
      pod.metadata.namespace === service.metadata.namespace &&
      pod.status.phase === 'Running' &&
      pod.status.conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');
    const backed =
      !spec.selector ||
      cluster.kube.pods.some((pod) => ready(pod) && selects(spec.selector, pod.metadata.labels));
    if (backed) return { service, via: viaNodePort ? 'nodePort' : 'loadBalancer port' };
  }
  return undefined;
}

/** HTTP handler: GET → hello line; POST /echo → the body back; GET /bytes/N → N bytes (throughput tests). */
export function serviceHandler(getCluster, spec) {
  return (request, response) => {
    const cluster = getCluster();
    const target = cluster && serviceBehind(cluster, spec.containerPort);
    if (!target) {
      request.socket.destroy();
      return;
    }
    const headers = {
      'X-Sim-Cluster': cluster.name,
      'X-Sim-Service': `${target.service.metadata.namespace}/${target.service.metadata.name}`,
    };
    const where = spec.node ? `node ${spec.address}` : `host port ${spec.hostPort}`;
    const hello = `hello from ${cluster.name} via ${target.via} ${spec.containerPort} (${where})\n`;
    answer(request, response, { headers, hello });
  };
}

/** What the test app behind a port does: POST /echo → the body back; GET /bytes/N → N bytes; else `hello`. */
export function answer(request, response, { headers, hello }) {
  if (request.method === 'POST' && request.url === '/echo') {
    response.writeHead(200, {
      ...headers,
      'Content-Type': request.headers['content-type'] ?? 'application/octet-stream',
    });
    request.pipe(response);
    return;
  }
  const bytes = request.url?.match(/^\/bytes\/(\d+)$/);
  if (request.method === 'GET' && bytes) {
    const total = Number(bytes[1]);
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': total,
    });
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!response.write(piece)) return response.once('drain', pump);
      }
      response.end();
    };
    return pump();
  }
  request.resume();
  response.writeHead(200, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(hello),
  });
  response.end(request.method === 'HEAD' ? undefined : hello);
}
