// The advice for a key with a passphrase that nobody could type (the agent runs without a terminal):
// on a Mac, Apple's ssh-add stores the passphrase in the Keychain and the agent, which starts empty
// after every login, can be refilled from it; elsewhere plain ssh-add is the whole answer.
import { describe, expect, it } from 'vitest';
import { type AuthFacts, authFailure } from '../../../src/ssh/auth-failure.js';
import type { SshTarget } from '../../../src/ssh/types.js';

const facts = (platform: NodeJS.Platform): AuthFacts => ({
  target: { alias: 'devbox', hostName: 'devbox.local', port: 22, user: 'dev' } as SshTarget,
  tried: [],
  accepted: [],
  skipped: [
    {
      path: '/Users/dev/.ssh/id_ed25519',
      reason: 'encrypted, and there is no terminal to ask for its passphrase',
    },
  ],
  methods: ['publickey'],
  unanswered: [],
  noAskReason: undefined,
  platform,
});

describe('authFailure: an encrypted key nobody could unlock', () => {
  it('on a Mac names Apple ssh-add --apple-use-keychain, and --apple-load-keychain for after a login', () => {
    const error = authFailure(facts('darwin'));
    expect(error.code).toBe('SSH_AUTH');
    expect(error.message).toContain('skipped /Users/dev/.ssh/id_ed25519 (encrypted');
    expect(error.hint).toContain('/usr/bin/ssh-add --apple-use-keychain /Users/dev/.ssh/id_ed25519');
    expect(error.hint).toContain('/usr/bin/ssh-add --apple-load-keychain');
    expect(error.hint).toContain('`UseKeychain yes` and `AddKeysToAgent yes` in ~/.ssh/config');
    expect(error.hint).not.toMatch(/ssh-add -[KA]\b/);
  });

  it('on Linux keeps plain ssh-add (OpenSSH has no Keychain options)', () => {
    expect(authFailure(facts('linux')).hint).toBe(
      'Load the key into your agent, then retry: ssh-add /Users/dev/.ssh/id_ed25519',
    );
  });

  // iCloud Drive's folder has a space: the command must still paste as one ssh-add argument.
  it('quotes a key path with a space so the command works when pasted', () => {
    const spaced = facts('darwin');
    spaced.skipped = [{ ...spaced.skipped[0]!, path: '/Users/dev/Library/Mobile Documents/keys/id_ed25519' }];
    expect(authFailure(spaced).hint).toContain(
      "/usr/bin/ssh-add --apple-use-keychain '/Users/dev/Library/Mobile Documents/keys/id_ed25519'",
    );
    spaced.platform = 'linux';
    expect(authFailure(spaced).hint).toContain(
      "ssh-add '/Users/dev/Library/Mobile Documents/keys/id_ed25519'",
    );
  });
});
