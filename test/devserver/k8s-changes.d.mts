// Types of k8s-changes.mjs (plain JS, run by the world daemon's tests through world-api.ts).
import type { KubeObject, WorldCluster } from './world.mjs';

export interface AddServiceSpec {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  ports: {
    port: number;
    nodePort?: number;
    targetPort?: number | string;
    name?: string;
    protocol?: 'TCP' | 'UDP';
  }[];
  /** Default { app: name }; {} = a Service without selector (no pod is created). */
  selector?: Record<string, string>;
  labels?: Record<string, string>;
}

export function addService(cluster: WorldCluster, spec: AddServiceSpec): KubeObject;
export function deleteService(cluster: WorldCluster, namespace: string, name: string): void;
export function replacePods(cluster: WorldCluster, namespace: string, name: string): void;
export function setNodeReady(cluster: WorldCluster, nodeSuffix: string, ready: boolean): void;
