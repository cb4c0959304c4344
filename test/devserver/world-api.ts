// The handle a test uses to change the simulated world while the dev server runs: load another scenario,
// stop/start a cluster, inject faults. Every change is written to world.json, then the daemon reloads it.
import type { DaemonHandle, DaemonReport } from './daemon-process.js';
import { type AddServiceSpec, addService, deleteService, replacePods, setNodeReady } from './k8s-changes.mjs';
import { readWorld, type Scenario, type World, worldFile, worldFromScenario, writeWorld } from './world.mjs';

export interface DevServerWorld {
  /** `<simHome>/.sim/world.json`. */
  readonly file: string;
  /** Replaces the world with a scenario (its clusters re-created: new certs/ids); merge keeps other clusters. */
  load(scenario: string | Scenario, options?: { merge?: boolean }): Promise<DaemonReport>;
  state(): World;
  /** Makes the daemon re-read world.json (after an edit by hand). */
  reload(): Promise<DaemonReport>;
  /** Read, mutate, write, reload. */
  update(mutate: (world: World) => void): Promise<DaemonReport>;
  /**
   * `k3d cluster delete <name>` from another shell: its containers, network and published ports are gone.
   * `load(scenario, { merge: true })` creates it again (new certificates, ids and token; other ports if asked).
   */
  deleteCluster(cluster: string): Promise<DaemonReport>;
  /** `k3d cluster stop/start` from another shell: ports close/open, portMappings stay. */
  setRunning(cluster: string, running: boolean): Promise<DaemonReport>;
  /** Fault: the cluster's ports accept connections but never answer. */
  setPaused(cluster: string, paused: boolean): Promise<DaemonReport>;
  /** Fault: the docker engine is down (docker/k3d fail like they do without a daemon). */
  setEngineRunning(running: boolean): Promise<DaemonReport>;
  /**
   * `kubectl apply` of a Service (stored with kube-apiserver's defaults: protocol TCP, targetPort = port, a free
   * nodePort for NodePort/LoadBalancer) and of one ready pod its selector (default app=<name>) matches; its
   * namespace is created when missing. Watches see ADDED events.
   */
  addService(cluster: string, spec: AddServiceSpec): Promise<DaemonReport>;
  /** `kubectl delete` of the Service and the pods only it selects: DELETED events, port-forwards to them end. */
  deleteService(cluster: string, namespace: string, name: string): Promise<DaemonReport>;
  /** A rollout: new ready pods (new names) behind the Service, then the old ones deleted. */
  replacePods(cluster: string, namespace: string, service: string): Promise<DaemonReport>;
  /** The Kubernetes node (name suffix, e.g. 'agent-0') Ready or not (kubelet stopped posting status). */
  setNodeReady(cluster: string, nodeSuffix: string, ready: boolean): Promise<DaemonReport>;
}

export function worldApi(simHome: string, daemon: () => DaemonHandle): DevServerWorld {
  const file = worldFile(simHome);
  const checked = async (): Promise<DaemonReport> => {
    const report = await daemon().reload();
    if (report.errors.length > 0)
      throw new Error(`world daemon could not listen: ${JSON.stringify(report.errors)}`);
    return report;
  };
  const update = async (mutate: (world: World) => void): Promise<DaemonReport> => {
    const world = readWorld(file);
    mutate(world);
    writeWorld(file, world);
    return await checked();
  };
  const cluster = (world: World, name: string) => {
    const found = world.clusters.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no cluster ${name} in the simulated world`);
    return found;
  };
  return {
    file,
    load: async (scenario, options = {}) => {
      writeWorld(
        file,
        worldFromScenario(scenario, { previous: readWorld(file), merge: options.merge ?? false }),
      );
      return await checked();
    },
    state: () => readWorld(file),
    reload: checked,
    update,
    deleteCluster: (name) =>
      update((world) => {
        world.clusters = world.clusters.filter((candidate) => candidate !== cluster(world, name));
      }),
    setRunning: (name, running) =>
      update((world) => {
        cluster(world, name).running = running;
      }),
    setPaused: (name, paused) =>
      update((world) => {
        cluster(world, name).paused = paused;
      }),
    setEngineRunning: (running) =>
      update((world) => {
        world.engine.running = running;
      }),
    addService: (name, spec) =>
      update((world) => {
        addService(cluster(world, name), spec);
      }),
    deleteService: (name, namespace, service) =>
      update((world) => deleteService(cluster(world, name), namespace, service)),
    replacePods: (name, namespace, service) =>
      update((world) => replacePods(cluster(world, name), namespace, service)),
    setNodeReady: (name, nodeSuffix, ready) =>
      update((world) => setNodeReady(cluster(world, name), nodeSuffix, ready)),
  };
}
