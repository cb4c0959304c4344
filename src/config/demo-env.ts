// The environment `tunnel demo` gives the commands it runs: this one's, with tunnel's state directory, the
// kubeconfig and kubectl's cache moved into the demo's temporary directory (so the user's own are never
// touched: kubectl would otherwise write ~/.kube/cache) and no ssh-agent (the demo's ssh config names its
// one key).

export interface DemoPaths {
  stateDir: string;
  kubeconfig: string;
  /** kubectl's discovery and HTTP cache (KUBECACHEDIR; kubectl before 1.29 needs --cache-dir too). */
  kubeCacheDir: string;
}

export function demoEnvironment(paths: DemoPaths, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const {
    SSH_AUTH_SOCK: _agent,
    KUBECONFIG: _kubeconfig,
    KUBECACHEDIR: _cache,
    TUNNEL_HOME: _home,
    ...rest
  } = env;
  return {
    ...rest,
    TUNNEL_HOME: paths.stateDir,
    KUBECONFIG: paths.kubeconfig,
    KUBECACHEDIR: paths.kubeCacheDir,
  };
}
