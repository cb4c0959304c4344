// EndpointSlices as the EndpointSlice controller (kube-controller-manager) keeps them for a Service with a
// selector: one IPv4 slice per Service, an endpoint per pod with an IP that is not finished (ready/serving per
// its Ready condition), the Service's ports resolved to the pods' target ports. Computed from Services and pods
// at request time, so they follow every world change; name and uid derive from the Service's uid, so they
// stay the same between requests as a stored object would.
import crypto from 'node:crypto';

const alnum = 'bcdfghjklmnpqrstvwxz2456789';
const digest = (text) => crypto.createHash('sha256').update(text).digest();
const stableSuffix = (uid) =>
  Array.from(digest(uid).subarray(0, 5), (byte) => alnum[byte % alnum.length]).join('');
const stableUid = (uid) => {
  const hex = digest(`endpointslice/${uid}`).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
const selects = (selector, labels = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const ready = (pod) =>
  pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
  false;

/** podutil.FindPort: a number as is, a name looked up in the pod's container ports. */
export function findPort(pod, servicePort) {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  for (const container of pod.spec.containers)
    for (const port of container.ports ?? [])
      if (port.name === target && (port.protocol ?? 'TCP') === servicePort.protocol)
        return port.containerPort;
  return undefined;
}

/** The pods an EndpointSlice lists for `service` (endpointsliceutil.ShouldPodBeInEndpoints). */
export function endpointPods(cluster, service) {
  return cluster.kube.pods.filter(
    (pod) =>
      pod.metadata.namespace === service.metadata.namespace &&
      selects(service.spec.selector, pod.metadata.labels) &&
      pod.status.podIP &&
      !['Succeeded', 'Failed'].includes(pod.status.phase),
  );
}

function sliceOf(cluster, service) {
  const pods = endpointPods(cluster, service);
  const versions = [service, ...pods].map((item) => Number(item.metadata.resourceVersion));
  const ports =
    pods.length === 0
      ? null
      : service.spec.ports
          .map((port) => ({ name: port.name ?? '', port: findPort(pods[0], port), protocol: port.protocol }))
          .filter((port) => port.port !== undefined);
  const { name, namespace, uid } = service.metadata;
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: {
      name: `${name}-${stableSuffix(uid)}`,
      generateName: `${name}-`,
      namespace,
      uid: stableUid(uid),
      resourceVersion: String(Math.max(...versions)),
      generation: 1,
      creationTimestamp: service.metadata.creationTimestamp,
      labels: {
        ...service.metadata.labels,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        'kubernetes.io/service-name': name,
      },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Service', name, uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    addressType: 'IPv4',
    endpoints:
      pods.length === 0
        ? null
        : pods.map((pod) => ({
            addresses: [pod.status.podIP],
            conditions: { ready: ready(pod), serving: ready(pod), terminating: false },
            targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
            nodeName: pod.spec.nodeName,
          })),
    ports,
  };
}

/** Every controller-managed slice of the cluster (Services without a selector have none). */
export function endpointSlices(cluster) {
  return cluster.kube.services
    .filter((service) => service.spec.selector)
    .map((service) => sliceOf(cluster, service));
}

/** kubectl get endpointslices columns (printers.go printEndpointSlice). */
export function endpointSliceCells(slice) {
  const ports = slice.ports?.length ? slice.ports.map((port) => port.port).join(',') : '<unset>';
  const addresses = (slice.endpoints ?? []).flatMap((endpoint) => endpoint.addresses);
  const shown =
    addresses.slice(0, 3).join(',') + (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : '');
  return [slice.metadata.name, slice.addressType, ports, addresses.length ? shown : '<none>'];
}
