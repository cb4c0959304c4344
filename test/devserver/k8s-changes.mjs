// Changes a test makes to a cluster's Kubernetes objects while it runs, as the API server and controllers
// would store them: every write takes the next value of the cluster's one resourceVersion counter (etcd's
// revision), in the order the real cluster writes (a rollout creates the new pod before deleting the old).
// The daemon diffs world.json on reload and turns these writes into watch events (k8s-watch.mjs).
import crypto from 'node:crypto';
import { containerPortsFor, hash, makePod, makeService, meta, suffix } from './k8s-objects.mjs';
import { defaultService, validateService } from './k8s-patch.mjs';

const nextVersion = (cluster) => {
  cluster.kube.resourceVersion += 1;
  return String(cluster.kube.resourceVersion);
};
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const selects = (selector, labels = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

function ensureNamespace(cluster, name) {
  if (cluster.kube.namespaces.some((namespace) => namespace.metadata.name === name)) return;
  const namespace = {
    metadata: meta(name, undefined, now(), { labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
  namespace.metadata.resourceVersion = nextVersion(cluster);
  cluster.kube.namespaces.push(namespace);
}

function freeClusterIp(cluster) {
  const used = new Set(cluster.kube.services.map((service) => service.spec.clusterIP));
  let ip;
  do ip = `10.43.${crypto.randomInt(1, 255)}.${crypto.randomInt(2, 255)}`;
  while (used.has(ip));
  return ip;
}

const internalIp = (node) => node.status.addresses.find((address) => address.type === 'InternalIP')?.address;

/** A running, ready pod of `template` (labels, container ports) on the next node, with an unused pod IP. */
function createPod(cluster, { namespace, app, labels, ports }) {
  const nodes = cluster.kube.nodes;
  const node = nodes[cluster.kube.pods.length % nodes.length];
  const subnet = `10.42.${nodes.indexOf(node)}.`;
  const usedIps = new Set(cluster.kube.pods.map((pod) => pod.status.podIP));
  let host = 2;
  while (usedIps.has(`${subnet}${host}`)) host++;
  const pod = makePod(
    { namespace, name: `${app}-${hash()}-${suffix(5)}`, labels, ports },
    { created: now(), nodeName: node.metadata.name, hostIp: internalIp(node), podIp: `${subnet}${host}` },
  );
  pod.metadata.resourceVersion = nextVersion(cluster);
  cluster.kube.pods.push(pod);
  return pod;
}

function deletePods(cluster, doomed) {
  cluster.kube.pods = cluster.kube.pods.filter((pod) => !doomed.includes(pod));
  // Each delete is its own etcd write; the daemon gives the DELETED events these revisions in order.
  for (const _ of doomed) nextVersion(cluster);
}

function findService(cluster, namespace, name) {
  const service = cluster.kube.services.find(
    (item) => item.metadata.namespace === namespace && item.metadata.name === name,
  );
  if (!service) throw new Error(`services "${name}" not found in ${namespace} of ${cluster.name}`);
  return service;
}

const podsOf = (cluster, service) =>
  service.spec.selector
    ? cluster.kube.pods.filter(
        (pod) =>
          pod.metadata.namespace === service.metadata.namespace &&
          selects(service.spec.selector, pod.metadata.labels),
      )
    : [];

/** `kubectl apply` of a Service and a one-replica Deployment behind it: the Service, then a ready pod. */
export function addService(cluster, spec) {
  const namespace = spec.namespace ?? 'default';
  if (cluster.kube.services.some((s) => s.metadata.namespace === namespace && s.metadata.name === spec.name))
    throw new Error(`services "${spec.name}" already exists in ${namespace} of ${cluster.name}`);
  ensureNamespace(cluster, namespace);
  const ingressIps = cluster.kube.nodes.map(internalIp);
  const service = makeService(
    { ...spec, namespace },
    { created: now(), clusterIp: freeClusterIp(cluster), ingressIps },
  );
  defaultService(service, cluster.kube.services);
  const errors = validateService(service, cluster.kube.services);
  if (errors.length > 0) throw new Error(`Service "${spec.name}" is invalid: ${errors.join(', ')}`);
  service.metadata.resourceVersion = nextVersion(cluster);
  cluster.kube.services.push(service);
  if (service.spec.selector) {
    const labels = { ...service.spec.selector };
    createPod(cluster, { namespace, app: spec.name, labels, ports: containerPortsFor(service.spec.ports) });
  }
  return service;
}

/** `kubectl delete` of the Service and of the workload behind it (pods no other Service selects). */
export function deleteService(cluster, namespace, name) {
  const service = findService(cluster, namespace, name);
  cluster.kube.services = cluster.kube.services.filter((item) => item !== service);
  nextVersion(cluster);
  const others = cluster.kube.services.filter((item) => item.metadata.namespace === namespace);
  const doomed = podsOf(cluster, service).filter(
    (pod) => !others.some((other) => podsOf(cluster, other).includes(pod)),
  );
  deletePods(cluster, doomed);
}

/** `kubectl rollout restart`: a new ready pod (new name, IP, uid) for each old one, then the old ones go. */
export function replacePods(cluster, namespace, name) {
  const service = findService(cluster, namespace, name);
  const old = podsOf(cluster, service);
  if (old.length === 0) throw new Error(`no pods behind ${namespace}/${name} in ${cluster.name}`);
  for (const pod of old) {
    const app = pod.metadata.name.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
    const ports = pod.spec.containers[0].ports ?? containerPortsFor(service.spec.ports);
    createPod(cluster, { namespace, app, labels: { ...pod.metadata.labels }, ports });
  }
  deletePods(cluster, old);
}

/** The node's kubelet stops (or resumes) posting status: the node lifecycle controller's Ready condition. */
export function setNodeReady(cluster, nodeSuffix, ready) {
  const node = cluster.kube.nodes.find((item) => item.metadata.name.endsWith(nodeSuffix));
  if (!node) throw new Error(`no node ${nodeSuffix} in ${cluster.name}`);
  const condition = node.status.conditions.find((item) => item.type === 'Ready');
  Object.assign(
    condition,
    ready
      ? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' },
    { lastTransitionTime: now() },
  );
  if (ready) delete node.spec.taints;
  else
    node.spec.taints = [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: now() },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: now() },
    ];
  node.metadata.resourceVersion = nextVersion(cluster);
}
