// The SSH half of the doctor: the alias resolves (ssh -G), the host answers SSH, its host key is known and
// matches (judged as `tunnel connect` would, never recorded), and one of our keys is accepted.

import type { HostKeyVerdict } from '../ssh/probe.js';
import type { SshTarget } from '../ssh/types.js';
import { transportCheck } from './checks-transport.js';
import { type CheckDefinition, fail, pass, required, warn } from './outcome.js';

function describeTarget(target: SshTarget): string {
  const via = target.proxyJump
    ? ` via ProxyJump ${target.proxyJump}`
    : target.proxyCommand
      ? ' via ProxyCommand'
      : '';
  return `${target.alias} is ${target.user}@${target.hostName} port ${target.port}${via}`;
}

const sshConfig: CheckDefinition = {
  id: 'ssh-config',
  title: 'ssh config',
  needs: [],
  run: async (facts, ports) => {
    facts.target = await ports.resolveTarget(facts.alias);
    return pass(`${describeTarget(facts.target)} (ssh -G ${facts.alias})`);
  },
};

const reachable: CheckDefinition = {
  id: 'reachable',
  title: 'dev server reachable',
  needs: ['ssh-config'],
  run: async (facts, ports) => {
    const target = required(facts.target, 'the ssh target');
    if (facts.transport?.kind === 'openssh' && target.proxyUseFdpass) {
      // The ProxyCommand hands OpenSSH a socket instead of speaking SSH on its stdout: no banner to read.
      return pass(
        'through a ProxyCommand that passes a socket (ProxyUseFdpass); the OpenSSH login shows the rest',
      );
    }
    const reach = await ports.reach(target);
    return pass(`${reach.via} answers: ${reach.banner}`);
  },
};

function knownHostsFiles(target: SshTarget): string {
  return [...target.userKnownHostsFiles, ...target.globalKnownHostsFiles].join(', ') || '(none configured)';
}

function hostKeyOutcome(verdict: HostKeyVerdict, target: SshTarget) {
  switch (verdict.kind) {
    case 'match':
      return pass(`${verdict.keyType} key ${verdict.fingerprint} matches known_hosts`);
    case 'new':
      return warn(
        `${verdict.keyType} key ${verdict.fingerprint} is not in known_hosts yet; ` +
          `tunnel connect will add it (${verdict.policy})`,
        "Compare the fingerprint with the server's own (on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).",
      );
    case 'refused': {
      const unknown = verdict.error.code === 'HOST_KEY_UNKNOWN';
      const looked = unknown ? `\nlooked in: ${knownHostsFiles(target)}` : '';
      return fail(`${verdict.error.message}${looked}`, verdict.error.hint);
    }
  }
}

const hostKey: CheckDefinition = {
  id: 'host-key',
  title: 'host key',
  needs: ['reachable'],
  run: async (facts, ports) => {
    const target = required(facts.target, 'the ssh target');
    const login = await ports.login(target, facts.transport);
    facts.login = login;
    facts.devServer = login.devServer;
    if (login.hostKey) return hostKeyOutcome(login.hostKey, target);
    // Over OpenSSH there is no verdict to show: it logged in with StrictHostKeyChecking yes.
    if (login.devServer) return pass(`checked by OpenSSH against ${knownHostsFiles(target)}`);
    // The connection broke before the server showed a key (timeout, protocol error, jump host refused).
    const error = required(login.error, 'the login error');
    return fail(error.message, error.hint);
  },
};

const auth: CheckDefinition = {
  id: 'auth',
  title: 'authentication',
  needs: ['host-key'],
  run: async (facts) => {
    const login = required(facts.login, 'the login result');
    const target = required(facts.target, 'the ssh target');
    if (login.devServer) return pass(`logged in as ${target.user} (${login.method ?? 'publickey'})`);
    const error = required(login.error, 'the login error');
    return fail(error.message, error.hint);
  },
};

export const SSH_CHECKS: readonly CheckDefinition[] = [sshConfig, transportCheck, reachable, hostKey, auth];
