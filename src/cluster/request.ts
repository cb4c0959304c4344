// The create request as the CLI builds it from the flags (pure: parsed and checked before anything runs),
// and the port-spec words its renderers use. Re-exported so that cli/ reaches them through the use case.
export { type CreateFlags, type CreateRequest, parseCreateRequest } from '../remote/cluster-request.js';
export { formatNodeFilter, formatPortSpec, type PortSpec, viaLoadBalancer } from '../remote/port-spec.js';
