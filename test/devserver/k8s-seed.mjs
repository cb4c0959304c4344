// The Kubernetes objects a fresh k3s cluster holds (kube-system add-ons, nodes, namespaces) plus the scenario's
// Services and pods.
import crypto from 'node:crypto';
import {
  containerPortsFor,
  hash,
  makeNode,
  makePod,
  makeService,
  meta,
  servicePorts,
  suffix,
} from './k8s-objects.mjs';

/** The app label a pod gets by default: its name without the ReplicaSet hash and pod suffix. */
const appOf = (podName) => podName.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');

/** k3s's default add-ons (coredns, local-path, metrics-server, traefik + svclb) — skipped with defaults:false. */
function addonSpecs(spec, kubeNodes, usedNodePorts) {
  if (spec.defaults === false) return { services: [], pods: [] };
  const free = (wanted) => {
    let port = wanted;
    while (usedNodePorts.has(port)) port++;
    usedNodePorts.add(port);
    return port;
  };
  const ns = 'kube-system';
  const services = [
    {
      namespace: ns,
      name: 'kube-dns',
      clusterIp: '10.43.0.10',
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53 },
        { name: 'metrics', port: 9153 },
      ],
    },
    {
      namespace: ns,
      name: 'metrics-server',
      selector: { 'k8s-app': 'metrics-server' },
      ports: [{ name: 'https', port: 443, targetPort: 'https' }],
    },
    {
      namespace: ns,
      name: 'traefik',
      type: 'LoadBalancer',
      selector: { 'app.kubernetes.io/name': 'traefik' },
      ports: [
        { name: 'web', port: 80, targetPort: 'web', nodePort: free(31080) },
        { name: 'websecure', port: 443, targetPort: 'websecure', nodePort: free(31443) },
      ],
    },
  ];
  const pods = [
    {
      namespace: ns,
      name: `coredns-${hash()}-${suffix(5)}`,
      labels: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53 },
        { name: 'metrics', containerPort: 9153 },
      ],
    },
    {
      namespace: ns,
      name: `local-path-provisioner-${hash()}-${suffix(5)}`,
      labels: { app: 'local-path-provisioner' },
    },
    {
      namespace: ns,
      name: `metrics-server-${hash()}-${suffix(5)}`,
      labels: { 'k8s-app': 'metrics-server' },
      ports: [{ name: 'https', containerPort: 10250 }],
    },
    {
      namespace: ns,
      name: `helm-install-traefik-crd-${suffix(5)}`,
      phase: 'Succeeded',
      labels: { job: 'helm-install-traefik-crd' },
    },
    {
      namespace: ns,
      name: `helm-install-traefik-${suffix(5)}`,
      phase: 'Succeeded',
      restarts: 1,
      labels: { job: 'helm-install-traefik' },
    },
    {
      namespace: ns,
      name: `traefik-${hash()}-${suffix(5)}`,
      labels: { 'app.kubernetes.io/name': 'traefik' },
      ports: [
        { name: 'metrics', containerPort: 9100 },
        { name: 'traefik', containerPort: 9000 },
        { name: 'web', containerPort: 8000 },
        { name: 'websecure', containerPort: 8443 },
      ],
    },
    ...kubeNodes.map((node) => ({
      namespace: ns,
      name: `svclb-traefik-${suffix(8)}-${suffix(5)}`,
      node: node.name,
      containers: 2,
      labels: { app: 'svclb-traefik' },
    })),
  ];
  return { services, pods };
}

/** All Kubernetes objects of one cluster. `dockerNodes` are the k3s nodes (servers and agents). */
export function seedKube(spec, { dockerNodes, created, k3sVersion, kernel }) {
  const kubeNodes = dockerNodes.map((node, index) => ({ ...node, podCidr: `10.42.${index}.0/24` }));
  const usedNodePorts = new Set(
    (spec.services ?? []).flatMap((service) => servicePorts(service).map((port) => port.nodePort)),
  );
  const addons = addonSpecs(spec, kubeNodes, usedNodePorts);
  const scenarioPods =
    spec.pods ??
    (spec.services ?? []).map((service) => ({
      namespace: service.namespace,
      name: `${service.name}-${hash()}-${suffix(5)}`,
      ports: containerPortsFor(servicePorts(service)),
    }));
  let nextServiceIp = 2;
  const clusterIp = (service) => service.clusterIp ?? `10.43.${crypto.randomInt(1, 255)}.${nextServiceIp++}`;
  const ingressIps = kubeNodes.map((node) => node.ip);
  const services = [
    {
      namespace: 'default',
      name: 'kubernetes',
      clusterIp: '10.43.0.1',
      selector: {},
      labels: { component: 'apiserver', provider: 'kubernetes' },
      ports: [{ name: 'https', port: 443, targetPort: 6443 }],
    },
    ...addons.services,
    ...(spec.services ?? []),
  ].map((service) => makeService(service, { created, clusterIp: clusterIp(service), ingressIps }));
  const pods = [...addons.pods, ...scenarioPods].map((pod, index) => {
    const node =
      kubeNodes.find((candidate) => candidate.name.endsWith(pod.node ?? '')) ??
      kubeNodes[index % kubeNodes.length];
    const labels = pod.labels ?? { app: appOf(pod.name) };
    return makePod(
      { ...pod, labels },
      {
        created,
        nodeName: node.name,
        hostIp: node.ip,
        podIp: `10.42.${kubeNodes.indexOf(node)}.${index + 2}`,
      },
    );
  });
  const namespaces = [
    ...new Set([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
      ...services.map((s) => s.metadata.namespace),
      ...pods.map((p) => p.metadata.namespace),
    ]),
  ].map((name) => ({
    metadata: meta(name, undefined, created, { labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
  return {
    resourceVersion: 1,
    namespaces,
    nodes: kubeNodes.map((node) => makeNode(node, { created, k3sVersion, kernel })),
    services,
    pods,
  };
}
