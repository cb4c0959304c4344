// What a session reports about its kubeconfig. (The names of its entries and one cluster's rewritten
// entries live in kubeconfig/fetch.ts.)
import type { KubeconfigMode } from '../config/resolve.js';

export interface KubeconfigReport {
  mode: KubeconfigMode['kind'];
  file: string | undefined;
  contexts: { cluster: string; context: string }[];
  errors: { cluster: string; error: string }[];
  /** Fields of k3d's kubeconfig that tunnel left out (allowlist.ts), per context written. */
  dropped: { cluster: string; context: string; path: string; reason: string }[];
  /** How many more were dropped than `dropped` lists (it is bounded); absent from older agents. */
  moreDropped?: number;
  switchedTo: string | undefined;
}
