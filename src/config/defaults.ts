// The built-in defaults of a session's settings, defined once: flags' help, the settings resolver, the
// control protocol's reading of older frames, the listeners and the supervisor all take them from here.
// A leaf: imports nothing, so the lowest layers (forward/, supervisor/) may use it.

/** Where local forwards listen. */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
/** The kube context name written per cluster; {cluster} and {host} are replaced. */
export const DEFAULT_CONTEXT_TEMPLATE = 'k3d-{cluster}@{host}';
/** How long a client accepted while the session is down waits for it before it is closed. */
export const DEFAULT_HOLD_TIMEOUT_MS = 30_000;
/** How often a forwarding session re-reads k3d's clusters. */
export const DEFAULT_REDISCOVER_INTERVAL_MS = 30_000;

/** Which SSH implementation carries a session: auto = ssh2 unless the host needs what only OpenSSH does. */
export type TransportSetting = 'auto' | 'ssh2' | 'openssh';
export const DEFAULT_TRANSPORT: TransportSetting = 'auto';

/** Which Services a session forwards (plan/types.ts ServicesMode): NodePort/LoadBalancer ones by default. */
export const DEFAULT_SERVICES_MODE = 'nodeport' as const;
/** Namespaces whose Services are not forwarded unless named: k3s's own add-ons (traefik, metrics-server). */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system'];
