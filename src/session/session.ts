// What a session shares with the commands around it.
// The session itself, under supervision, is managed-session.ts.

// Moved to src/devserver/connect.ts; re-exported until agent/, control/ and the cluster commands import
// them from there (other areas of the same change).
export { connectTarget, hostKeyPolicyFor, type Interaction } from '../devserver/connect.js';

export { clientAddress } from '../kubeconfig/fetch.js';
