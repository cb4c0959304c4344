// What the simulated k3s API server says about itself: the resource kinds it serves (discovery documents, as
// kubectl fetches before any get) and /version. Split from api-server.mjs to keep that file to request
// handling; the data here is static per cluster and k3s version.

export const RESOURCES = {
  namespaces: { kind: 'Namespace', apiVersion: 'v1', namespaced: false, shortNames: ['ns'] },
  nodes: { kind: 'Node', apiVersion: 'v1', namespaced: false, shortNames: ['no'] },
  pods: { kind: 'Pod', apiVersion: 'v1', namespaced: true, shortNames: ['po'], categories: ['all'] },
  services: { kind: 'Service', apiVersion: 'v1', namespaced: true, shortNames: ['svc'], categories: ['all'] },
};
/** Resources of API groups (/apis/<group>/<version>), listed apart from the core group's. */
export const GROUP_RESOURCES = {
  endpointslices: { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', namespaced: true },
};
/** kind and apiVersion of every resource the simulator lists. */
export const KINDS = { ...RESOURCES, ...GROUP_RESOURCES };
const discoveryGroup = {
  name: 'discovery.k8s.io',
  versions: [{ groupVersion: 'discovery.k8s.io/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'discovery.k8s.io/v1', version: 'v1' },
};
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function discovery(cluster) {
  const server = cluster.nodes.find((node) => node.labels['k3d.role'] === 'server');
  return {
    '/api': {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${server?.ip}:6443` }],
    },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [discoveryGroup] },
    '/apis/discovery.k8s.io': { kind: 'APIGroup', apiVersion: 'v1', ...discoveryGroup },
    '/apis/discovery.k8s.io/v1': {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'discovery.k8s.io/v1',
      resources: [
        {
          name: 'endpointslices',
          singularName: 'endpointslice',
          namespaced: true,
          kind: 'EndpointSlice',
          verbs: VERBS,
        },
      ],
    },
    '/api/v1': {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: Object.entries(RESOURCES).map(([name, resource]) => ({
        name,
        singularName: resource.kind.toLowerCase(),
        namespaced: resource.namespaced,
        kind: resource.kind,
        verbs: VERBS,
        shortNames: resource.shortNames,
        ...(resource.categories ? { categories: resource.categories } : {}),
      })),
    },
  };
}

export function versionInfo(k3sVersion) {
  const [major = '1', minor = '0'] = k3sVersion.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    gitVersion: k3sVersion.replace(/-k3s/, '+k3s'),
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-22T01:37:36Z',
    goVersion: 'go1.22.10',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
