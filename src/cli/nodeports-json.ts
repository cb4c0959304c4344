// `tunnel nodeports --json`: the report as a document, with the kubectl command of every fix (pure).
import { kubectlPatchCommand } from '../kube/nodeport-fix.js';
import { isFine } from '../kube/nodeports.js';
import { type NodePortsReport, nodePortsOk } from '../nodeports/types.js';

export function nodePortsJson(report: NodePortsReport): object {
  return {
    host: report.host,
    mode: report.mode,
    ok: nodePortsOk(report),
    clusters: report.clusters.map((entry) => ({
      cluster: entry.cluster,
      context: entry.context,
      ok: !entry.error && entry.result?.healthy === true,
      error: entry.error ?? null,
      rows: (entry.result?.rows ?? []).map((row) => ({
        ...row,
        fine: isFine(row),
        mapping: row.mapping ?? null,
        service: row.service ? { ...row.service, portName: row.service.portName ?? null } : null,
      })),
      fixes: (entry.result?.plan.fixes ?? []).map((fix) => {
        const outcome = entry.result?.results.find((result) => result.fix === fix);
        const result = outcome && {
          accepted: outcome.accepted,
          confirmed: outcome.confirmed,
          error: outcome.error ?? null,
        };
        return { ...fix, kubectl: kubectlPatchCommand(fix, entry.context), result: result ?? null };
      }),
      unplanned: (entry.result?.plan.unplanned ?? []).map((unplanned) => ({
        ...unplanned,
        choice: unplanned.choice
          ? { ...unplanned.choice, kubectl: kubectlPatchCommand(unplanned.choice, entry.context) }
          : null,
      })),
    })),
    skipped: report.skipped,
  };
}
