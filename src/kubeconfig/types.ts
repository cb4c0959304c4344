// Kubeconfig naming options shared by rewrite (pure) and write (atomic file I/O).

export interface KubeconfigNames {
  cluster: string;
  context: string;
  user: string;
}

export interface RewriteOptions {
  /** The local API forward: https://<localAddress>:<localPort>. */
  server: string;
  names: KubeconfigNames;
}
