// The forward plan: what we listen on locally and where each connection goes on the dev server.

export type ForwardKind = 'api' | 'service';

export interface ForwardSpec {
  /** Stable identity for diffs: `${cluster}/${kind}/${remoteHost}:${remotePort}`. */
  id: string;
  cluster: string;
  kind: ForwardKind;
  localAddress: string;
  localPort: number;
  /** Where the dev server connects: 127.0.0.1 unless the mapping binds a specific address. */
  remoteHost: string;
  remotePort: number;
  /** The container port (NodePort) behind the host port; 6443 for the API. */
  nodePort: number;
  /**
   * Set when the local port differs from the dev-server port, with why. 'self': the dev server is this
   * machine, and listening on that port would forward to itself (nothing else needs to hold it).
   * `heldBy` (busy only): who holds the port, as a note says it ("ControlCenter (pid 512) on *:5000").
   */
  remapped: { from: number; reason: 'busy' | 'pinned' | 'conflict' | 'self'; heldBy?: string } | undefined;
}

export interface PlanOptions {
  /** Only these clusters (by name); empty = every running cluster. */
  clusters: string[];
  /** --map remote:local pins. */
  maps: Map<number, number>;
  bindAddress: string;
  /** Skip (rather than fail on) a named cluster that is missing or stopped: a running session waits for it. */
  lenient?: boolean;
}
