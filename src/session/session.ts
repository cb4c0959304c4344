// What a session shares with the commands around it: what `connect` reports and the address kubectl uses.
// The session itself, under supervision, is managed-session.ts.
import { isLoopback } from '../config/resolve.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import type { KubeconfigReport } from './kubeconfig-step.js';

// Moved to src/devserver/connect.ts; re-exported until agent/, control/ and the cluster commands import
// them from there (other areas of the same change).
export { connectTarget, hostKeyPolicyFor, type Interaction } from '../devserver/connect.js';

export interface SessionReport {
  alias: string;
  hostName: string;
  k3d: K3dInfo;
  clusters: K3dCluster[];
  forwards: ForwardSpec[];
  skipped: { cluster: string; reason: string }[];
  /** --map pins whose remote port no forwarded cluster publishes. */
  unusedMaps: number[];
  failed: { spec: ForwardSpec; error: string }[];
  kubeconfig: KubeconfigReport;
}

/** The address kubectl on this machine should use to reach a forward bound to `bindAddress`. */
export function clientAddress(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::' || isLoopback(bindAddress)) {
    return bindAddress === '::1' ? '[::1]' : '127.0.0.1';
  }
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}
