// The `transport` of a session's status entry: the connection's own (kept while down), or before the
// first connection the one the setting names (null under auto); documented by docs/status.schema.json.
import { describe, expect, it } from 'vitest';
import type { KubeconfigReport } from '../../../src/session/kubeconfig-step.js';
import { type StatusInput, sessionStatus } from '../../../src/session/status.js';
import type { SessionState } from '../../../src/supervisor/state.js';
import { sessionOptions } from '../../builders.js';
import { schemaErrors, statusSchema } from '../../schema.js';

const AT = '2026-01-01T10:00:00.000Z';
const kubeconfig: KubeconfigReport = {
  mode: 'none',
  file: undefined,
  contexts: [],
  errors: [],
  dropped: [],
  switchedTo: undefined,
};
const CERT = 'CertificateFile /home/me/.ssh/id_ed25519-cert.pub';

function input(overrides: Partial<StatusInput> & { state?: SessionState } = {}): StatusInput {
  const { state = { kind: 'forwarding', connectedAt: AT }, ...rest } = overrides;
  return {
    options: sessionOptions(),
    snapshot: {
      state,
      since: AT,
      downSince: undefined,
      reconnectCount: 0,
      lastError: undefined,
      forwards: [],
    },
    hostName: 'dev.example.com',
    k3dVersion: 'v5.9.0',
    discoveredAt: AT,
    kubeconfig,
    skipped: [],
    unusedMaps: [],
    failed: [],
    ...rest,
  };
}

describe('status: the transport of a session', () => {
  it("is the connection's, with auto's reason for OpenSSH", () => {
    const status = sessionStatus(input({ transport: { kind: 'openssh', reason: CERT } }));
    expect(status.transport).toEqual({ setting: 'auto', kind: 'openssh', reason: CERT });
    expect(schemaErrors(statusSchema, status, '#/$defs/session')).toEqual([]);
  });

  it('stays the last connection’s while the session reconnects', () => {
    const reconnecting = {
      kind: 'reconnecting',
      attempt: 2,
      nextAttemptAt: AT,
      lastError: { message: 'x', at: AT },
    };
    const status = sessionStatus(
      input({ state: reconnecting as SessionState, transport: { kind: 'ssh2', reason: undefined } }),
    );
    expect(status.transport).toEqual({ setting: 'auto', kind: 'ssh2', reason: null });
  });

  it('before the first connection: undecided under auto, else what the user chose', () => {
    const connecting = { kind: 'connecting', attempt: 1 } as SessionState;
    expect(sessionStatus(input({ state: connecting })).transport).toEqual({
      setting: 'auto',
      kind: null,
      reason: null,
    });
    const chosen = sessionStatus(
      input({ state: connecting, options: sessionOptions({ transport: 'openssh' }) }),
    );
    expect(chosen.transport).toEqual({ setting: 'openssh', kind: 'openssh', reason: null });
    expect(schemaErrors(statusSchema, chosen, '#/$defs/session')).toEqual([]);
  });

  it('the schema refuses a transport it does not document', () => {
    const status = sessionStatus(input());
    const bad = { ...status, transport: { setting: 'auto', kind: 'putty', reason: null } };
    expect(schemaErrors(statusSchema, bad, '#/$defs/session')).toEqual([
      '$.transport.kind: "putty" is not one of ["ssh2","openssh",null]',
    ]);
  });
});
