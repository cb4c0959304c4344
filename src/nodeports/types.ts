// What `tunnel nodeports` asks for and answers (printed as a table or --json by the CLI). Plain data.
import type { OpenDevServer } from '../devserver/with-dev-server.js';
import type { ClusterNodePorts, ErrorInfo, NodePortMode } from '../kube/nodeport-check.js';

export type { NodePortMode };

export interface NodePortsRequest {
  /** The host as the user named it (for messages and suggested commands). */
  host: string;
  mode: NodePortMode;
  /** --cluster names; empty = every running cluster. */
  clusters: string[];
  /** The host's kube context template (contextNameFor), for the kubectl commands shown. */
  contextTemplate: string;
  open: OpenDevServer;
  signal?: AbortSignal;
}

export interface ClusterReport {
  cluster: string;
  /** The kube context `tunnel connect` writes for it (used in the kubectl commands shown). */
  context: string;
  result: ClusterNodePorts | undefined;
  error: ErrorInfo | undefined;
}

export interface NodePortsReport {
  host: string;
  mode: NodePortMode;
  /** The command's arguments after `tunnel nodeports`, without the mode flags (for suggested commands). */
  args: string;
  clusters: ClusterReport[];
  skipped: { cluster: string; reason: string }[];
}

/** Every selected cluster was read and everything mapped or exposed is served (exit code 0). */
export function nodePortsOk(report: NodePortsReport): boolean {
  return report.clusters.every((entry) => !entry.error && entry.result?.healthy === true);
}
