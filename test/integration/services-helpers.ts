// What services.test.ts and services-filters.test.ts read back through the CLI: the forwards of
// `tunnel status --json` (schema-checked), found by Service name, and polled until a watch has delivered.
import { expect } from 'vitest';
import type { DevServer } from '../devserver/index.js';
import { schemaErrors, statusSchema } from '../schema.js';
import { type CliEnv, runCli } from './cli-helpers.js';

export interface ForwardJson {
  id: string;
  kind: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
  service: { namespace: string; name: string; port: number } | null;
  via: { kind: string; node?: string; address?: string };
  remapped: { from: number; reason: string } | null;
}

interface StatusJson {
  sessions: { state: string; clusters: { name: string; forwards: ForwardJson[] }[] }[];
}

export async function forwards(cli: CliEnv): Promise<ForwardJson[]> {
  const status = await runCli(cli, ['status', 'devserver', '--json']);
  const doc = JSON.parse(status.stdout) as StatusJson;
  expect(schemaErrors(statusSchema, doc)).toEqual([]);
  return doc.sessions.flatMap((session) => session.clusters.flatMap((cluster) => cluster.forwards));
}

export const named = (list: ForwardJson[], name: string) =>
  list.find((forward) => forward.service?.name === name);

/** Polls status until `check` holds (the watch delivers within seconds; the bound only ends a broken run). */
export async function until(cli: CliEnv, check: (list: ForwardJson[]) => boolean): Promise<ForwardJson[]> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const list = await forwards(cli);
    if (check(list)) return list;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return forwards(cli);
}

export function connectTo(devserver: DevServer, cli: CliEnv, ...extra: string[]) {
  return runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver', ...extra]);
}
