// A session's options as they cross the control socket (`connect`) and the agent's saved-session files:
// plain JSON, so the --map pins travel as [remote, local] pairs instead of a Map.

import { normalizeBindAddress } from '../config/bind-address.js';
import { defaultServiceSelection, type SessionOptions } from '../config/resolve.js';

export type SerializedOptions = Omit<SessionOptions, 'maps' | 'services'> & {
  maps: [number, number][];
  /** Absent in a session saved before issue 14. */
  services?: SessionOptions['services'];
};

export function serializeOptions(options: SessionOptions): SerializedOptions {
  return { ...options, maps: [...options.maps.entries()] };
}

export function deserializeOptions(options: SerializedOptions): SessionOptions {
  // A session saved by an older tunnel may carry bind "localhost": listen where its kubeconfig points.
  const bindAddress = normalizeBindAddress(options.bindAddress);
  // A session saved before issue 14 has no service selection: it gets today's default.
  const services = options.services ?? defaultServiceSelection();
  return { ...options, bindAddress, services, maps: new Map(options.maps) };
}
