// Which of a cluster's Services the planner considers: only names and ports Kubernetes itself would allow
// (they come from the cluster's API and end up in ids, notes and the log), then the user's namespaces and
// label selector. Pure.
import { isDnsLabel, isServicePortName } from './kube-names.js';
import { parseLabelSelector } from './label-selector.js';
import type { ServiceInfo, ServiceSelection } from './types.js';

/** The user's filter: an explicit namespace include wins over the (default) exclude; then the selector. */
export function selectionFilter(selection: ServiceSelection): (service: ServiceInfo) => boolean {
  const selector = selection.selector === undefined ? undefined : parseLabelSelector(selection.selector);
  return (service) => {
    const included =
      selection.namespaces.length > 0
        ? selection.namespaces.includes(service.namespace)
        : !selection.excludeNamespaces.includes(service.namespace);
    return included && (selector === undefined || selector.matches(service.labels));
  };
}

// Names and ports come from the cluster's API: only what Kubernetes itself allows reaches an id or a note.
const isPort = (value: number | undefined) =>
  value === undefined || (Number.isInteger(value) && value >= 1 && value <= 65535);

export function isWellFormed(service: ServiceInfo): boolean {
  return (
    isDnsLabel(service.namespace) &&
    isDnsLabel(service.name) &&
    service.ports.every(
      (port) =>
        typeof port.port === 'number' &&
        isPort(port.port) &&
        isPort(port.nodePort) &&
        (port.name === undefined || port.name === '' || isServicePortName(port.name)),
    )
  );
}
