// Flags (and, later, saved settings) → one frozen options object per command. Validation happens here,
// before anything connects, so bad input fails fast with a hint.
import net from 'node:net';
import { UsageError } from '../errors.js';
import { parsePortMaps } from '../plan/forward-plan.js';
import { defaultKubeconfigPath } from './paths.js';

export interface ConnectFlags {
  sshConfig?: string;
  cluster?: string[];
  map?: string[];
  bind?: string;
  acceptNewHostKey?: boolean;
  kubeconfig?: string | boolean;
  switchContext?: boolean;
  contextName?: string;
}

export type KubeconfigMode =
  | { kind: 'merge'; file: string; switchContext: boolean }
  | { kind: 'standalone'; file: string }
  | { kind: 'none' };

export interface SessionOptions {
  alias: string;
  sshConfigFile: string | undefined;
  clusters: string[];
  maps: Map<number, number>;
  bindAddress: string;
  acceptNewHostKey: boolean;
  kubeconfig: KubeconfigMode;
  /** Template for kube names: {cluster} and {host} are replaced. */
  contextTemplate: string;
}

export const DEFAULT_CONTEXT_TEMPLATE = 'k3d-{cluster}@{host}';

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

function kubeconfigMode(flags: ConnectFlags, env: NodeJS.ProcessEnv): KubeconfigMode {
  // commander maps --no-kubeconfig to kubeconfig === false and --kubeconfig <file> to a string.
  if (flags.kubeconfig === false) return { kind: 'none' };
  if (typeof flags.kubeconfig === 'string') return { kind: 'standalone', file: flags.kubeconfig };
  return { kind: 'merge', file: defaultKubeconfigPath(env), switchContext: flags.switchContext === true };
}

export function resolveSessionOptions(
  alias: string,
  flags: ConnectFlags,
  env: NodeJS.ProcessEnv = process.env,
): SessionOptions {
  const maps = parsePortMaps(flags.map ?? []);
  const bindAddress = flags.bind ?? '127.0.0.1';
  if (bindAddress !== 'localhost' && net.isIP(bindAddress) === 0) {
    throw new UsageError(
      `--bind ${bindAddress}: not an IP address`,
      'Use an address of this machine, e.g. --bind 127.0.0.1',
    );
  }
  const template = flags.contextName ?? DEFAULT_CONTEXT_TEMPLATE;
  if (!template.includes('{cluster}')) {
    throw new UsageError(
      `--context-name ${template}: must contain {cluster}, or every cluster would get the same context`,
      'Example: --context-name "{cluster}-dev"',
    );
  }
  return Object.freeze({
    alias,
    sshConfigFile: flags.sshConfig,
    clusters: flags.cluster ?? [],
    maps,
    bindAddress,
    acceptNewHostKey: flags.acceptNewHostKey === true,
    kubeconfig: kubeconfigMode(flags, env),
    contextTemplate: template,
  });
}

export function contextNameFor(template: string, cluster: string, host: string): string {
  return template.replaceAll('{cluster}', cluster).replaceAll('{host}', host);
}
