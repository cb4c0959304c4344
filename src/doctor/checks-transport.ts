// The doctor's transport row: which SSH implementation `tunnel connect` would use for this host and why
// (ssh2, built in, unless ssh -G shows what only the system's OpenSSH does), and a warning when the
// user pinned ssh2 on a host it cannot serve.
import { DEFAULT_TRANSPORT, type TransportSetting } from '../config/defaults.js';
import { type CheckDefinition, pass, required, warn } from './outcome.js';
import type { CheckOutcome, TransportPlan } from './types.js';

export function transportOutcome(
  alias: string,
  setting: TransportSetting,
  plan: TransportPlan,
): CheckOutcome {
  if (plan.kind === 'openssh') {
    return pass(plan.reason ? `OpenSSH — ${plan.reason}` : `OpenSSH (transport set to ${setting})`);
  }
  if (setting === 'ssh2' && plan.limits.length > 0) {
    return warn(
      `ssh2 (transport set to ssh2), though ssh2 cannot serve this host:\n${plan.limits.join('\n')}`,
      `Let tunnel use OpenSSH for it: tunnel config set ${alias} transport auto`,
    );
  }
  return pass(
    setting === 'ssh2'
      ? 'ssh2 (transport set to ssh2)'
      : 'ssh2 (built in): nothing in the ssh config needs OpenSSH',
  );
}

export const transportCheck: CheckDefinition = {
  id: 'transport',
  title: 'transport',
  needs: ['ssh-config'],
  run: async (facts, ports) => {
    const setting = facts.transportSetting ?? DEFAULT_TRANSPORT;
    const plan = await ports.transport(required(facts.target, 'the ssh target'), setting);
    facts.transport = plan;
    return transportOutcome(facts.alias, setting, plan);
  },
};
