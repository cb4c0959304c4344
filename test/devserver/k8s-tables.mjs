// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for (Accept: ...;as=Table), with the
// columns and cell formats of kube-apiserver's printers (pkg/printers/internalversion/printers.go).
import { endpointSliceCells } from './k8s-endpointslices.mjs';

/** apimachinery's duration.HumanDuration, used for the Age column. */
export function humanDuration(milliseconds) {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

const age = (object) => humanDuration(Date.now() - Date.parse(object.metadata.creationTimestamp));
const column = (name, description, priority = 0, format = '') => ({
  name,
  type: 'string',
  format,
  description,
  priority,
});
const nameColumn = column('Name', 'Name must be unique within a namespace.', 0, 'name');
const ageColumn = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

function podCells(pod) {
  const statuses = pod.status.containerStatuses ?? [];
  let reason = pod.status.reason ?? pod.status.phase;
  for (const status of statuses) {
    if (status.state.waiting?.reason) reason = status.state.waiting.reason;
    else if (status.state.terminated?.reason) reason = status.state.terminated.reason;
  }
  const ready = statuses.filter((status) => status.ready).length;
  const restarts = statuses.reduce((sum, status) => sum + status.restartCount, 0);
  return [
    pod.metadata.name,
    `${ready}/${pod.spec.containers.length}`,
    reason,
    String(restarts),
    age(pod),
    pod.status.podIP ?? '<none>',
    pod.spec.nodeName ?? '<none>',
    '<none>',
    '<none>',
  ];
}

function serviceCells(service) {
  const { spec, status } = service;
  const ingress = status.loadBalancer?.ingress ?? [];
  const external =
    spec.type === 'LoadBalancer' ? ingress.map((entry) => entry.ip).join(',') || '<pending>' : '<none>';
  const ports = spec.ports
    .map((port) =>
      port.nodePort ? `${port.port}:${port.nodePort}/${port.protocol}` : `${port.port}/${port.protocol}`,
    )
    .join(',');
  const selector = Object.entries(spec.selector ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return [
    service.metadata.name,
    spec.type,
    spec.clusterIP,
    external,
    ports || '<none>',
    age(service),
    selector || '<none>',
  ];
}

function nodeCells(node) {
  const ready = node.status.conditions.find((condition) => condition.type === 'Ready')?.status === 'True';
  const roles = Object.keys(node.metadata.labels)
    .filter((key) => key.startsWith('node-role.kubernetes.io/'))
    .map((key) => key.slice('node-role.kubernetes.io/'.length))
    .sort();
  const address = (type) => node.status.addresses.find((entry) => entry.type === type)?.address ?? '<none>';
  const info = node.status.nodeInfo;
  return [
    node.metadata.name,
    ready ? 'Ready' : 'NotReady',
    roles.join(',') || '<none>',
    age(node),
    info.kubeletVersion,
    address('InternalIP'),
    address('ExternalIP'),
    info.osImage,
    info.kernelVersion,
    info.containerRuntimeVersion,
  ];
}

const TABLES = {
  pods: {
    columns: [
      nameColumn,
      column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'The aggregate status of the containers in this pod.'),
      column('Restarts', 'The number of times the containers in this pod have been restarted.'),
      ageColumn,
      column('IP', 'IP address allocated to the pod.', 1),
      column('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
      column(
        'Nominated Node',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        1,
      ),
      column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    cells: podCells,
  },
  services: {
    columns: [
      nameColumn,
      column('Type', 'type determines how the Service is exposed.'),
      column('Cluster-IP', 'clusterIP is the IP address of the service.'),
      column('External-IP', 'List of IP addresses for which nodes in the cluster will also accept traffic.'),
      column('Port(s)', 'The list of ports that are exposed by this service.'),
      ageColumn,
      column(
        'Selector',
        'Route service traffic to pods with label keys and values matching this selector.',
        1,
      ),
    ],
    cells: serviceCells,
  },
  nodes: {
    columns: [
      nameColumn,
      column('Status', 'The status of the node'),
      column('Roles', 'The roles of the node'),
      ageColumn,
      column('Version', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'List of addresses reachable to the node.', 1),
      column('External-IP', 'List of addresses reachable to the node.', 1),
      column('OS-Image', 'OS Image reported by the node from /etc/os-release.', 1),
      column('Kernel-Version', 'Kernel Version reported by the node.', 1),
      column('Container-Runtime', 'Container Runtime Version reported by the node.', 1),
    ],
    cells: nodeCells,
  },
  endpointslices: {
    columns: [
      nameColumn,
      column('AddressType', 'The IP protocol family for this EndpointSlice'),
      column('Ports', 'The ports of this EndpointSlice'),
      column('Endpoints', 'The endpoints of this EndpointSlice'),
      ageColumn,
    ],
    cells: (slice) => [...endpointSliceCells(slice), age(slice)],
  },
  namespaces: {
    columns: [nameColumn, column('Status', 'The status of the namespace'), ageColumn],
    cells: (namespace) => [namespace.metadata.name, namespace.status.phase, age(namespace)],
  },
};

/** The Table for a list; `includeObject` is None, Metadata (the apiserver's default) or Object. */
export function toTable(resource, items, { resourceVersion, includeObject = 'Metadata', kind }) {
  const table = TABLES[resource];
  const object = (item) => {
    if (includeObject === 'None') return undefined;
    if (includeObject === 'Object') return { kind, apiVersion: 'v1', ...item };
    return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata };
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(resourceVersion) },
    columnDefinitions: table.columns,
    rows: items.map((item) => ({ cells: table.cells(item), object: object(item) })),
  };
}
