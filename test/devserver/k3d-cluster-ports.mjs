// The network side of the k3d stand-in's `cluster create/delete`: whether docker could publish a node's
// host ports (another running cluster's binding: "port is already allocated"; any other listener here:
// "address already in use"), a free port for a random API port, and waiting until the world daemon's
// listeners have followed a change (containers started or removed when k3d returns).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { daemonPidFile } from './world.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `address:port` can be bound here right now (what docker-proxy would try). */
function canBind(address, port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ host: address, port, exclusive: true, ipv6Only: false }, () =>
      server.close(() => resolve(true)),
    );
  });
}

const overlap = (a, b) => a === '' || b === '' || a === '0.0.0.0' || b === '0.0.0.0' || a === b;

/** docker's words when `node` cannot publish one of its bindings, or undefined when all are free. */
export async function bindFailure(world, node) {
  for (const bindings of Object.values(node.portBindings)) {
    for (const { HostIp, HostPort } of bindings) {
      const port = Number(HostPort);
      const shown = `${HostIp || '0.0.0.0'}:${port}`;
      const taken = world.clusters.some(
        (cluster) =>
          cluster.running &&
          cluster.nodes.some((other) =>
            Object.values(other.portBindings).some((list) =>
              list.some((binding) => Number(binding.HostPort) === port && overlap(binding.HostIp, HostIp)),
            ),
          ),
      );
      if (taken) return `Bind for ${shown} failed: port is already allocated`;
      const free =
        HostIp === ''
          ? (await canBind('::', port)) && (await canBind('0.0.0.0', port))
          : await canBind(HostIp, port);
      if (!free) return `Error starting userland proxy: listen tcp4 ${shown}: bind: address already in use`;
    }
  }
  return undefined;
}

/** Polls until every host port of `cluster` accepts (open) or refuses (closed): the daemon has followed. */
export async function waitForListeners(cluster, open) {
  if (!fs.existsSync(daemonPidFile(process.env.HOME ?? os.homedir()))) return;
  const ports = cluster.nodes.flatMap((node) =>
    Object.values(node.portBindings).flatMap((list) =>
      list.map((binding) => ({
        host: binding.HostIp && binding.HostIp !== '0.0.0.0' ? binding.HostIp : '127.0.0.1',
        port: Number(binding.HostPort),
      })),
    ),
  );
  const accepts = ({ host, port }) =>
    new Promise((resolve) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const states = await Promise.all(ports.map(accepts));
    if (states.every((state) => state === open)) return;
    await sleep(25);
  }
}

/** cmd/util GetFreePort: a port the OS hands out on this (the dev server's) network. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
