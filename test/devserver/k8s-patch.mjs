// PATCH for Services, as kube-apiserver applies it: JSON merge patch (RFC 7386), strategic merge patch (lists
// with a merge key — spec.ports by `port` — are merged element-wise) and JSON patch (RFC 6902); then the
// validation a NodePort change meets (range, allocation, type).

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

export function mergePatch(target, patch) {
  if (!isObject(patch)) return structuredClone(patch);
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** patchMergeKey of the list fields a Service has (k8s.io/api core/v1 struct tags). */
const MERGE_KEYS = { 'spec.ports': 'port', 'metadata.ownerReferences': 'uid' };

export function strategicMergePatch(target, patch, path = '') {
  if (!isObject(patch)) return structuredClone(patch);
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    const fieldPath = path ? `${path}.${key}` : key;
    const mergeKey = MERGE_KEYS[fieldPath];
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else if (mergeKey && Array.isArray(value) && Array.isArray(result[key])) {
      const merged = [...result[key]];
      for (const element of value) {
        const index = merged.findIndex((existing) => existing[mergeKey] === element[mergeKey]);
        if (element.$patch === 'delete') {
          if (index >= 0) merged.splice(index, 1);
        } else if (index >= 0) merged[index] = strategicMergePatch(merged[index], element, `${fieldPath}[]`);
        else merged.push(element);
      }
      result[key] = merged;
    } else result[key] = strategicMergePatch(result[key], value, fieldPath);
  }
  return result;
}

const pointer = (path) =>
  path
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));

export function jsonPatch(target, operations) {
  const document = structuredClone(target);
  for (const operation of operations) {
    const parts = pointer(operation.path);
    const last = parts.pop();
    let parent = document;
    for (const part of parts) {
      parent = parent?.[Array.isArray(parent) ? Number(part) : part];
      if (parent === undefined)
        throw new Error(`the server rejected our request: path ${operation.path} does not exist`);
    }
    const key = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : last;
    if (operation.op === 'remove') Array.isArray(parent) ? parent.splice(key, 1) : delete parent[key];
    else if (operation.op === 'add' && Array.isArray(parent)) parent.splice(key, 0, operation.value);
    else if (operation.op === 'add' || operation.op === 'replace') parent[key] = operation.value;
    else if (operation.op === 'test') {
      if (JSON.stringify(parent[key]) !== JSON.stringify(operation.value))
        throw new Error('testing value failed');
    } else throw new Error(`unsupported JSON patch op ${operation.op}`);
  }
  return document;
}

/** A resourceVersion in the patch is a precondition: the update fails (409) if the object changed since. */
export function staleVersion(patched, current) {
  if (patched.metadata?.resourceVersion === current.metadata.resourceVersion) return undefined;
  return `Operation cannot be fulfilled on services "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`;
}

/**
 * What kube-apiserver fills in on a stored Service before validating it (SetDefaults_ServicePort, and the
 * NodePort allocator for a NodePort/LoadBalancer port without one): a merge patch that replaces spec.ports
 * with fewer fields gets protocol TCP, targetPort = port and a random free nodePort, as on a real cluster.
 */
export function defaultService(service, allServices) {
  const external = service.spec.type === 'NodePort' || service.spec.type === 'LoadBalancer';
  const used = new Set(allServices.flatMap((other) => other.spec.ports.map((port) => port.nodePort)));
  for (const port of service.spec.ports ?? []) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
    if (external && (port.nodePort === undefined || port.nodePort === 0)) {
      let candidate;
      do candidate = 30000 + Math.floor(Math.random() * 2768);
      while (used.has(candidate));
      used.add(candidate);
      port.nodePort = candidate;
    }
  }
  return service;
}

/** Field errors of a patched Service (k3s's default --service-node-port-range 30000-32767). */
export function validateService(service, allServices) {
  const errors = [];
  const ports = service.spec.ports ?? [];
  if (ports.length === 0 && service.spec.type !== 'ExternalName') errors.push('spec.ports: Required value');
  const names = new Set();
  const nodePorts = new Set();
  ports.forEach((port, index) => {
    // ValidateService: every port of a multi-port Service needs a unique name.
    if (ports.length > 1 && !port.name) errors.push(`spec.ports[${index}].name: Required value`);
    else if (port.name && names.has(port.name))
      errors.push(`spec.ports[${index}].name: Duplicate value: "${port.name}"`);
    names.add(port.name);
    if (port.nodePort === undefined || port.nodePort === 0) return;
    const field = `spec.ports[${index}].nodePort`;
    // One Service may reuse a nodePort only for another protocol (e.g. DNS over TCP and UDP).
    const key = `${port.nodePort}/${port.protocol ?? 'TCP'}`;
    if (nodePorts.has(key)) {
      errors.push(`${field}: Duplicate value: ${port.nodePort}`);
      return;
    }
    nodePorts.add(key);
    if (service.spec.type === 'ClusterIP') {
      errors.push(`${field}: Forbidden: may not be used when \`type\` is 'ClusterIP'`);
    } else if (port.nodePort < 30000 || port.nodePort > 32767) {
      errors.push(
        `${field}: Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is 30000-32767`,
      );
    } else {
      const taken = allServices.some(
        (other) =>
          other.metadata.uid !== service.metadata.uid &&
          other.spec.ports.some((otherPort) => otherPort.nodePort === port.nodePort),
      );
      if (taken) errors.push(`${field}: Invalid value: ${port.nodePort}: provided port is already allocated`);
    }
  });
  return errors;
}
