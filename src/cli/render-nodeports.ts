// Pure renderers for `tunnel nodeports`: the table of mappings and Services, then what to do (or what was
// done) per cluster, and the JSON document. Text from the dev server goes through safeText.
import type { ClusterNodePorts, ErrorInfo, NodePortMode } from '../kube/nodeport-check.js';
import { kubectlPatchCommand, type ServiceFix, shellWord } from '../kube/nodeport-fix.js';
import { keyOf, type NodePortRow, type NodePortState, serviceLabel } from '../kube/nodeports.js';
import { type ClusterReport, type NodePortsReport, nodePortsOk } from '../nodeports/types.js';
import { isWildcardHost } from '../remote/k3d-parse.js';
import { pasteWord } from '../shell-word.js';
import { paint, type RenderOptions, safeText, table } from './render.js';

const STATE_TEXT: Record<NodePortState, string> = {
  ok: 'ok',
  'no-service': 'no service',
  'no-pods': 'no pods',
  unreached: 'unreached',
  fixed: 'fixed',
  ignored: 'ignored',
};
const STATE_COLOR: Record<NodePortState, string> = {
  ok: '32',
  fixed: '32',
  ignored: '2',
  'no-service': '31',
  'no-pods': '33',
  unreached: '31',
};

function portCell(row: NodePortRow): string {
  if (!row.mapping) return `-→${row.service?.nodePort ?? '-'}`;
  const { hostIp, hostPort, containerPort } = row.mapping;
  return `${isWildcardHost(hostIp) ? '' : `${hostIp}:`}${hostPort}→${containerPort}`;
}

function serviceCell(row: NodePortRow): string {
  if (!row.service) return '-';
  const protocol = row.service.protocol === 'TCP' ? '' : `/${row.service.protocol}`;
  return safeText(serviceLabel(row.service) + protocol);
}

/** The planned change (before --fix ran) that concerns a row, as words for its NOTE. */
function planNote(row: NodePortRow, result: ClusterNodePorts, mode: NodePortMode): string {
  if (mode === 'fix' && row.state === 'fixed') return '';
  for (const fix of result.plan.fixes) {
    for (const change of fix.changes) {
      const same = row.service && keyOf(row.service) === keyOf({ ...fix, index: change.index });
      if (same && row.state === 'unreached')
        return `; planned: nodePort → ${change.to} (host port ${change.hostPorts.join(', ')})`;
      if (!row.service && row.mapping?.containerPort === change.to) {
        return `; planned: ${serviceLabel({ ...fix, port: change.port })} moves here`;
      }
    }
  }
  const unplanned =
    row.service && result.plan.unplanned.some((entry) => keyOf(entry.service) === keyOf(row.service!));
  return unplanned ? '; not fixed by tunnel (see below)' : '';
}

function tableRows(report: NodePortsReport, options: RenderOptions): string[][] {
  return report.clusters.flatMap(({ cluster, result }) =>
    (result?.rows ?? []).map((row) => [
      safeText(cluster),
      portCell(row),
      serviceCell(row),
      paint(options.color, STATE_COLOR[row.state], STATE_TEXT[row.state]),
      safeText(row.note + planNote(row, result!, report.mode)),
    ]),
  );
}

function changeWords(fix: ServiceFix): string {
  return fix.changes
    .map((change) => {
      const name = change.portName ? ` (${change.portName})` : '';
      const hostPorts = change.hostPorts.join(', ');
      return `port ${change.port}${name} nodePort ${change.from ?? 'none'} → ${change.to} (host port ${hostPorts})`;
    })
    .join(', ');
}

function errorLines(prefix: string, error: ErrorInfo): string[] {
  return [
    `${prefix}error: ${safeText(error.message)}`,
    ...(error.hint ? [`  hint: ${safeText(error.hint)}`] : []),
  ];
}

function planLines(report: NodePortsReport, entry: ClusterReport, result: ClusterNodePorts): string[] {
  const name = safeText(entry.cluster);
  const lines: string[] = [];
  if (report.mode === 'check' && result.plan.fixes.length > 0) {
    const planned = result.plan.fixes.map((fix) => `${fix.namespace}/${fix.name} ${changeWords(fix)}`);
    lines.push(`${name}: --fix would patch ${safeText(planned.join('; '))}`);
    lines.push(`  apply: tunnel nodeports ${report.args} --fix   (see the patch first: --dry-run)`);
  }
  for (const outcome of result.results) {
    const fix = safeText(`${outcome.fix.namespace}/${outcome.fix.name}`);
    if (report.mode === 'dry-run') {
      const verdict = outcome.accepted ? 'the API server accepts it' : 'the API server rejects it';
      lines.push(
        `${name}: would patch ${fix} (${verdict}, server-side dry run): ${safeText(changeWords(outcome.fix))}`,
      );
      lines.push(`  ${safeText(kubectlPatchCommand(outcome.fix, entry.context))}`);
      lines.push(`  body (${outcome.fix.contentType}): ${safeText(JSON.stringify(outcome.fix.patch))}`);
    } else if (outcome.accepted) {
      const confirmed = outcome.confirmed
        ? 'confirmed: its new NodePort is mapped'
        : 'but re-reading does not show it reached';
      lines.push(`${name}: patched ${fix}: ${safeText(changeWords(outcome.fix))}; ${confirmed}`);
    } else {
      lines.push(`${name}: could not patch ${fix}`);
    }
    if (outcome.error) lines.push(...errorLines('  ', outcome.error));
  }
  const explained = new Set<string>();
  for (const unplanned of result.plan.unplanned) {
    if (!explained.has(unplanned.explanation)) {
      explained.add(unplanned.explanation);
      lines.push(`${name}: not fixed: ${safeText(unplanned.explanation)}. Choose for each:`);
    }
    const label = safeText(serviceLabel(unplanned.service));
    if (unplanned.choice) {
      const fix = unplanned.choice;
      lines.push(`  ${label} → ${fix.changes[0]?.to}: ${safeText(kubectlPatchCommand(fix, entry.context))}`);
    }
    if (unplanned.mapCommand) {
      lines.push(`  ${label} as it is: ${safeText(unplanned.mapCommand)} (re-creates the load balancer)`);
    }
  }
  return lines;
}

function rowHints(entry: ClusterReport, result: ClusterNodePorts): string[] {
  const name = safeText(entry.cluster);
  const context = pasteWord(entry.context, '<context>');
  const filled = new Set(result.plan.fixes.flatMap((fix) => fix.changes.map((change) => change.to)));
  const lines: string[] = [];
  for (const row of result.rows) {
    if (row.reason === 'nothing-on-nodeport' && row.mapping && !filled.has(row.mapping.containerPort)) {
      lines.push(
        `${name}: nothing answers behind host port ${row.mapping.hostPort}; give a Service that NodePort: ` +
          `kubectl --context ${context} create service nodeport <name> --tcp=<port>:<targetPort> --node-port=${row.mapping.containerPort}`,
      );
    }
    if (row.state === 'no-pods' && row.service) {
      const { namespace, name: service, selector } = row.service;
      const labels = Object.entries(selector ?? {}).map(([key, value]) => `${key}=${value}`);
      lines.push(
        `${name}: ${safeText(`${namespace}/${service}`)} has no ready pod; see why: kubectl --context ${context} ` +
          `-n ${pasteWord(namespace, '<namespace>')} get pods -l ${shellWord(safeText(labels.join(',')))}`,
      );
    }
  }
  return lines;
}

function summary(report: NodePortsReport): string {
  const rows = report.clusters.flatMap((entry) => entry.result?.rows ?? []);
  const count = (state: NodePortState) => rows.filter((row) => row.state === state).length;
  const failures = report.clusters.filter((entry) => entry.error).length;
  if (nodePortsOk(report))
    return 'ok: every mapped port reaches a Service, and every NodePort Service is mapped';
  const parts = [
    [count('no-service'), 'mapped port(s) reach no Service'],
    [count('no-pods'), 'Service(s) without a ready pod'],
    [count('unreached'), 'Service port(s) no mapping reaches'],
    [failures, 'cluster(s) could not be checked'],
  ] as const;
  const patchFailures = report.clusters
    .flatMap((entry) => entry.result?.results ?? [])
    .filter((r) => r.error).length;
  const words = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  if (patchFailures > 0) words.push(`${patchFailures} patch(es) failed`);
  const unchanged = report.mode === 'dry-run' ? ' (nothing was changed: --dry-run)' : '';
  return `not ok: ${words.join(', ')}${unchanged}`;
}

export function renderNodePorts(report: NodePortsReport, options: RenderOptions): string {
  const rows = tableRows(report, options);
  const lines: string[] = [];
  if (rows.length > 0) lines.push(table(rows, ['CLUSTER', 'HOST PORT→NODEPORT', 'SERVICE', 'STATE', 'NOTE']));
  else if (report.clusters.length === 0)
    lines.push(`no running k3d cluster on ${safeText(report.host)} to check`);
  for (const entry of report.clusters) {
    if (entry.error) lines.push(...errorLines(`${safeText(entry.cluster)}: `, entry.error));
    else if (entry.result) {
      if (entry.result.rows.length === 0)
        lines.push(`${safeText(entry.cluster)}: no k3d port mapping and no NodePort Service`);
      lines.push(...planLines(report, entry, entry.result), ...rowHints(entry, entry.result));
    }
  }
  for (const { cluster, reason } of report.skipped) lines.push(`skipped ${safeText(cluster)}: ${reason}`);
  if (report.clusters.length > 0) lines.push(summary(report));
  return lines.join('\n');
}
