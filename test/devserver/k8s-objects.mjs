// Kubernetes v1 objects as k3s would store them (Service, Pod, Node), built from scenario shorthands. The
// simulated API server returns them as they are, so their shape follows the real API.
import crypto from 'node:crypto';

const uid = () => crypto.randomUUID();
const alnum = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes' generated-name suffixes use this consonant/digit alphabet. */
export const suffix = (length) =>
  Array.from(crypto.randomBytes(length), (byte) => alnum[byte % alnum.length]).join('');
export const hash = () => suffix(crypto.randomInt(9, 11));

/** A kube-apiserver `Status` failure (metav1.Status), as every refusal and watch ERROR carries it. */
export function statusObject(code, reason, message, details) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
}

export function meta(name, namespace, created, extra = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    uid: uid(),
    resourceVersion: '1',
    creationTimestamp: created,
    ...extra,
  };
}

export function servicePorts(service) {
  const ports = service.ports ?? [
    { port: service.port ?? 80, nodePort: service.nodePort, targetPort: service.targetPort },
  ];
  return ports.map((port) => ({
    ...(port.name ? { name: port.name } : {}),
    protocol: port.protocol ?? 'TCP',
    port: port.port,
    targetPort: port.targetPort ?? port.port,
    ...(port.nodePort !== undefined ? { nodePort: port.nodePort } : {}),
  }));
}

/** The container ports a workload behind these (normalised) Service ports declares; a named targetPort gets
 * the Service port's own number, so EndpointSlices and port-forward can resolve it. */
export function containerPortsFor(ports) {
  return ports.map((port) =>
    typeof port.targetPort === 'string'
      ? { name: port.targetPort, containerPort: port.port, protocol: port.protocol }
      : { containerPort: port.targetPort, protocol: port.protocol },
  );
}

export function makeService(service, { created, clusterIp, ingressIps }) {
  // A nodePort on any port implies NodePort: the API server would reject a ClusterIP Service with one.
  const withNodePort = service.nodePort || (service.ports ?? []).some((port) => port.nodePort);
  const type = service.type ?? (withNodePort ? 'NodePort' : 'ClusterIP');
  const selector = service.selector ?? { app: service.name };
  const external = type === 'NodePort' || type === 'LoadBalancer';
  return {
    metadata: meta(service.name, service.namespace ?? 'default', created, { labels: service.labels ?? {} }),
    spec: {
      ports: servicePorts(service),
      ...(Object.keys(selector).length > 0 ? { selector } : {}),
      clusterIP: clusterIp,
      clusterIPs: [clusterIp],
      type,
      sessionAffinity: 'None',
      ...(external ? { externalTrafficPolicy: 'Cluster' } : {}),
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: {
      loadBalancer:
        type === 'LoadBalancer' ? { ingress: ingressIps.map((ip) => ({ ip, ipMode: 'VIP' })) } : {},
    },
  };
}

export function makePod(pod, { created, nodeName, hostIp, podIp }) {
  const phase = pod.phase ?? 'Running';
  const ready = pod.ready ?? phase === 'Running';
  const containers = Array.from({ length: pod.containers ?? 1 }, (_, index) => ({
    name: index === 0 ? (pod.labels?.app ?? 'app') : `sidecar-${index}`,
    image: pod.image ?? 'docker.io/library/nginx:1.27',
    // Declared container ports: what a Service's named targetPort resolves to (EndpointSlices, port-forward).
    ...(index === 0 && pod.ports?.length
      ? { ports: pod.ports.map((port) => ({ protocol: 'TCP', ...port })) }
      : {}),
  }));
  const completed = phase === 'Succeeded';
  return {
    metadata: meta(pod.name, pod.namespace ?? 'default', created, { labels: pod.labels ?? {} }),
    spec: {
      containers,
      nodeName,
      restartPolicy: completed ? 'OnFailure' : 'Always',
      schedulerName: 'default-scheduler',
    },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: created }],
      hostIP: hostIp,
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime: created,
      containerStatuses: containers.map((container) => ({
        name: container.name,
        ready,
        restartCount: pod.restarts ?? 0,
        started: !completed && ready,
        image: container.image,
        imageID: '',
        containerID: `containerd://${crypto.randomBytes(32).toString('hex')}`,
        state: completed
          ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: created, finishedAt: created } }
          : phase === 'Running'
            ? { running: { startedAt: created } }
            : { waiting: { reason: pod.reason ?? 'ContainerCreating' } },
      })),
    },
  };
}

export function makeNode(node, { created, k3sVersion, kernel }) {
  const server = node.role === 'server';
  const kubeletVersion = k3sVersion.replace(/-k3s/, '+k3s');
  const roleLabels = server
    ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' }
    : {};
  return {
    metadata: meta(node.name, undefined, created, {
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'k3s',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'k3s',
        ...roleLabels,
      },
    }),
    spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr], providerID: `k3s://${node.name}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: `K3s ${kubeletVersion}`,
        kernelVersion: kernel,
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: 'containerd://1.7.23-k3s2',
      },
    },
  };
}
