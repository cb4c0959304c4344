// src/cluster (list): `tunnel clusters`, what k3d runs on the dev server and which ports it maps. Read-only.
import { withDevServer } from '../devserver/with-dev-server.js';
import type { ClustersReport, ClustersRequest } from './types.js';

export async function listClusters(request: ClustersRequest): Promise<ClustersReport> {
  return withDevServer(request.open, async (devServer) => {
    const k3d = await devServer.k3d();
    const clusters = await devServer.clusters({ signal: request.signal });
    return {
      host: request.host,
      k3d: { version: k3d.k3dVersion, k3s: k3d.k3sVersion, path: k3d.path },
      clusters,
    };
  });
}
