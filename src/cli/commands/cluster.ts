// `tunnel cluster create|delete <host> <name>`: make or remove a k3d cluster on the dev server, checked
// first, and keep the forwards and the kubeconfig in step. Every flag is checked before anything runs
// (exit 2); the work is cluster/'s (one call each), the agent is reached through cli/cluster/agent.ts.
import type { Command } from 'commander';
import { createCluster } from '../../cluster/create.js';
import { deleteCluster } from '../../cluster/delete.js';
import { contextNameFor } from '../../config/resolve.js';
import { type CreateFlags, parseCreateRequest } from '../../remote/cluster-request.js';
import { clusterSessions } from '../cluster/agent.js';
import { clusterEventRenderer } from '../cluster/progress.js';
import { createJson, renderAgentFailure, renderCreated, renderDeleted } from '../cluster/render.js';
import { hostOptions } from '../connect-settings.js';
import { devServerOpener } from '../open-dev-server.js';
import { collect } from '../options.js';
import { CommandExit } from '../outcome.js';

interface CreateCliFlags extends CreateFlags {
  connect?: boolean;
  json?: boolean;
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('create or delete a k3d cluster on a dev server');
  cluster
    .command('create')
    .description(
      "create a k3d cluster on the dev server (its API on the dev server's loopback), checked first",
    )
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .argument('<name>', 'the cluster name (letters, digits, "-"; at most 32)')
    .option('--api-port <port>', 'the API port on the dev server (default: the first free one from 16443)')
    .option('--api-host <address>', "the dev server's address the API listens on", '127.0.0.1')
    .option(
      '-p, --port <spec>',
      'publish a port: [hostIp:]hostPort:containerPort[@nodefilter], e.g. 8080:30080@server:0 (repeatable)',
      collect,
      [],
    )
    .option('--agents <count>', 'agent nodes (default 0)')
    .option('--servers <count>', 'server nodes (default 1)')
    .option('--connect', "forward it right away (the host's session re-reads k3d, or a new one starts)")
    .option('--json', 'print the result as JSON')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(runCreate);
  cluster
    .command('delete')
    .alias('rm')
    .description('delete a k3d cluster on the dev server, stop its forwards and remove its kube context')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .argument('<name>', 'the cluster name')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(runDelete);
}

async function runCreate(host: string, name: string, flags: CreateCliFlags, command: Command) {
  // Every flag first: a typo must cost nothing on the dev server.
  const request = parseCreateRequest(name, flags);
  const options = hostOptions(host, command);
  const report = await createCluster({
    host,
    cluster: request,
    bindAddress: options.bindAddress,
    connect: flags.connect === true,
    open: devServerOpener(options),
    sessions: clusterSessions(options),
    onEvent: clusterEventRenderer(process.stderr),
  });
  process.stdout.write(
    flags.json ? `${JSON.stringify(createJson(report), null, 2)}\n` : `${renderCreated(report)}\n`,
  );
  // The cluster exists (reported above); the agent's part failed: say so, exit 1.
  if (report.agentFailure) {
    process.stderr.write(renderAgentFailure('could not forward it', report.agentFailure));
    throw new CommandExit(report.agentFailure.interrupted ? 130 : 1);
  }
}

async function runDelete(host: string, name: string, _flags: unknown, command: Command) {
  const options = hostOptions(host, command);
  const report = await deleteCluster({
    host,
    name,
    context: contextNameFor(options.contextTemplate, name, host),
    kubeconfig: options.kubeconfig.kind === 'none' ? undefined : options.kubeconfig.file,
    open: devServerOpener(options),
    sessions: clusterSessions(options),
    onEvent: clusterEventRenderer(process.stderr),
  });
  process.stdout.write(`${renderDeleted(report)}\n`);
  if (report.agentFailure) {
    process.stderr.write(renderAgentFailure(`did not drop ${name}'s forwards`, report.agentFailure));
    throw new CommandExit(report.agentFailure.interrupted ? 130 : 1);
  }
}
