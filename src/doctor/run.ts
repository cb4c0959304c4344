// The doctor's runner: the checks in order, each skipped ("needs …") when a check it depends on failed or
// was skipped. A check that throws fails with the error's message and hint; the dev server a check
// opened is closed at the end, whatever happened.
import type { TransportSetting } from '../config/defaults.js';
import { LOCAL_CHECKS } from './checks-local.js';
import { LOGIN_ITEM_CHECKS } from './checks-login-item.js';
import { REMOTE_CHECKS } from './checks-remote.js';
import { SSH_CHECKS } from './checks-ssh.js';
import { type CheckDefinition, failed } from './outcome.js';
import type {
  CheckResult,
  DoctorFacts,
  DoctorPorts,
  DoctorReport,
  KubeconfigTarget,
  PlanInput,
} from './types.js';

export type { CheckDefinition } from './outcome.js';

/** Every check, in the order a person would debug: config → network → ssh → dev server → this machine. */
export const DOCTOR_CHECKS: readonly CheckDefinition[] = [
  ...SSH_CHECKS,
  ...REMOTE_CHECKS,
  ...LOCAL_CHECKS,
  ...LOGIN_ITEM_CHECKS,
];

export interface DoctorInput {
  alias: string;
  plan: PlanInput;
  /** The host's transport setting; default auto. */
  transport?: TransportSetting;
  kubeconfig?: KubeconfigTarget;
  ports: DoctorPorts;
  /** Called as each check finishes, so a terminal can show progress. */
  onResult?: (result: CheckResult) => void;
  checks?: readonly CheckDefinition[];
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const facts: DoctorFacts = {
    alias: input.alias,
    plan: input.plan,
    kubeconfig: input.kubeconfig,
    transportSetting: input.transport,
  };
  const results: CheckResult[] = [];
  try {
    for (const check of input.checks ?? DOCTOR_CHECKS) {
      const result = await runOne(check, results, facts, input.ports);
      results.push(result);
      input.onResult?.(result);
    }
  } finally {
    facts.devServer?.close();
  }
  return { host: input.alias, ok: results.every((result) => result.status !== 'fail'), checks: results };
}

async function runOne(
  check: CheckDefinition,
  done: readonly CheckResult[],
  facts: DoctorFacts,
  ports: DoctorPorts,
): Promise<CheckResult> {
  const base = { id: check.id, title: check.title };
  const blocker = check.needs
    .map((id) => done.find((result) => result.id === id))
    .find((result) => result !== undefined && (result.status === 'fail' || result.status === 'skip'));
  if (blocker) return { ...base, status: 'skip', detail: `needs ${blocker.title}`, hint: null };
  try {
    const outcome = await check.run(facts, ports);
    return { ...base, status: outcome.status, detail: outcome.detail, hint: outcome.hint ?? null };
  } catch (error) {
    return { ...base, ...failed(error) };
  }
}
