// What `tunnel image push` reports while it works (events, for the progress display) and when it is done
// (the report, printed as text or --json). Plain data.
import type { DevServer } from '../devserver/dev-server.js';
import type { OpenDevServer } from '../devserver/with-dev-server.js';
import type { ClusterNode, ImportOutput } from '../remote/k3d-import-output.js';
import type { PlatformCheck } from './platform-check.js';
import type { ImageReference } from './reference.js';

export interface NodeResult {
  name: string;
  role: 'server' | 'agent';
  /** The image is in the node's CRI image store (what the kubelet uses). */
  present: boolean;
  /** k3d's import missed this node and the direct import put the image there. */
  repaired: boolean;
  /** Why the node does not have it (or could not be asked); null when present. */
  error: string | null;
}

export interface PushReport {
  host: string;
  /** estimatedBytes: null when docker gave no size. */
  image: { reference: string; name: string; estimatedBytes: number | null };
  cluster: string;
  /** The platform check before the upload (platform-check.ts). */
  platform: PlatformCheck;
  upload: { bytes: number; elapsedMs: number };
  /**
   * errors: k3d's ERRO/FATA messages other than the harmless digest noise; failed: k3d exited non-zero or
   * printed such an error. Neither fails the push by itself: the node checks do.
   */
  import: { harmlessErrors: number; warnings: string[]; errors: string[]; failed: boolean };
  nodes: NodeResult[];
  /** Every node has the image. */
  ok: boolean;
}

export type PushEvent =
  /** mktemp is about to run on the dev server: from here on there is a file to remove. */
  | { kind: 'creating-file' }
  | { kind: 'target'; cluster: string; nodes: ClusterNode[]; file: string }
  | { kind: 'progress'; bytes: number }
  | { kind: 'uploaded'; bytes: number; elapsedMs: number }
  | { kind: 'imported'; output: ImportOutput }
  | { kind: 'repairing'; nodes: string[] }
  /** The image's and the nodes' platforms; saving: only that variant is sent; unchecked: why no check. */
  | { kind: 'platform'; image?: string; nodes?: string; saving?: string; unchecked?: string }
  /** The final state of every node, after any repair. */
  | { kind: 'verified'; results: NodeResult[] }
  | { kind: 'removed'; file: string }
  | { kind: 'cleanup-failed'; file: string; error: string };

export interface PushRequest {
  /** Opens the dev server (after the local checks); the push closes it on every way out. */
  open: OpenDevServer;
  reference: ImageReference;
  /** `docker image inspect` .Size: the progress total, an estimate of the tar's size. */
  estimatedBytes: number | undefined;
  /** --cluster; undefined = the only running cluster. */
  cluster: string | undefined;
  /** Ctrl-C: stops the current step; the temporary file is still removed. */
  signal: AbortSignal;
  onEvent: (event: PushEvent) => void;
  /** The local image's platform (`docker image inspect`), e.g. linux/arm64; undefined when unknown. */
  platform: string | undefined;
  /** Whether the local image also holds this platform; default: `docker image inspect --platform`. */
  hasPlatform?: (reference: ImageReference, platform: string, signal?: AbortSignal) => Promise<boolean>;
  /** Milliseconds clock for the upload rate; default performance.now. */
  now?: () => number;
}

/** A push under way: the request with the dev server it opened. */
export type PushWork = Omit<PushRequest, 'open'> & { devServer: DevServer };
