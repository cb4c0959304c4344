// Who may trust a new host key: only the connect a person runs. A reconnect or a restored session
// (unattended) refuses an unknown key even when the session was started with --accept-new-host-key.
import { describe, expect, it } from 'vitest';
import { hostKeyPolicyFor } from '../../../src/devserver/connect.js';

describe('hostKeyPolicyFor', () => {
  const confirm = async () => true;

  it('a connect at the terminal keeps --accept-new-host-key and the prompt', () => {
    const policy = hostKeyPolicyFor({ acceptNewHostKey: true }, { confirm });
    expect(policy).toEqual({ acceptNewHostKey: true, prompt: confirm });
  });

  it('an unattended connect drops --accept-new-host-key and the prompt, and says it is unattended', () => {
    const policy = hostKeyPolicyFor({ acceptNewHostKey: true }, { confirm, unattended: true });
    expect(policy).toEqual({ acceptNewHostKey: false, unattended: true });
  });
});
