// `tunnel disconnect <host> | --all`: stop a background session, free its ports, and remove the
// kubeconfig entries it wrote (unless --keep-kubeconfig).
import type { Command } from 'commander';
import {
  listSessionRecords,
  readSessionRecord,
  type SessionRecord,
  stopSessionProcess,
} from '../../agent/registry.js';
import { UsageError } from '../../errors.js';
import { removeFromKubeconfig } from '../../kubeconfig/write.js';
import { namesForContext } from '../../session/kubeconfig-step.js';

async function disconnectOne(record: SessionRecord, keepKubeconfig: boolean): Promise<string> {
  const stopped = await stopSessionProcess(record);
  if (!stopped) {
    return `${record.alias}: the session process (pid ${record.pid}) did not stop; kill it with: kill -9 ${record.pid}`;
  }
  const { kubeconfig } = record.report;
  if (!keepKubeconfig && kubeconfig.mode === 'merge' && kubeconfig.file && kubeconfig.contexts.length > 0) {
    await removeFromKubeconfig(
      kubeconfig.file,
      kubeconfig.contexts.map((entry) => namesForContext(entry.context)),
    );
    return `${record.alias}: disconnected; removed ${kubeconfig.contexts.map((e) => e.context).join(', ')} from ${kubeconfig.file}`;
  }
  return `${record.alias}: disconnected`;
}

export function registerDisconnect(program: Command): void {
  program
    .command('disconnect')
    .description('stop the background forwards of a dev server')
    .argument('[host]', 'the ssh alias given to connect')
    .option('--all', 'every connected dev server')
    .option('--keep-kubeconfig', 'leave the kubeconfig entries in place')
    .action(async (host: string | undefined, flags: { all?: boolean; keepKubeconfig?: boolean }) => {
      if (!host && !flags.all)
        throw new UsageError('name a host or use --all', 'Example: tunnel disconnect devserver');
      const records = flags.all
        ? listSessionRecords()
        : [readSessionRecord(host!)].filter((r) => r !== undefined);
      if (records.length === 0) {
        process.stdout.write(flags.all ? 'no sessions running\n' : `${host} is not connected\n`);
        return;
      }
      for (const record of records) {
        process.stdout.write(`${await disconnectOne(record, flags.keepKubeconfig === true)}\n`);
      }
    });
}
