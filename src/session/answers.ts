// Who answers a session's login questions, and when. While `tunnel connect` runs, the person at its
// terminal (relayed by the agent); afterwards nobody, except what may be answered without a person:
// a key passphrase typed earlier (kept in this process's memory, never on disk or in a log, as
// ssh-agent would), and the session's SSH_ASKPASS program when it was given one. Passwords and
// one-time codes are never kept: a code is good once, and OpenSSH does not cache passwords either.
// Without an answer the login fails with SSH_NEEDS_ANSWER and the session waits for a person.

import { askpassInteraction } from '../devserver/askpass.js';
import type { Interaction } from '../devserver/connect.js';

export class SessionAnswers {
  private readonly passphrases = new Map<string, string>();

  /** askpass: the program that answers unattended reconnects (SessionOptions.askpass), if any. */
  constructor(private readonly askpass: string | undefined) {}

  /** The person's interaction, their passphrases remembered for later reconnects. */
  remembering(interaction: Interaction): Interaction {
    const ask = interaction.askPassphrase;
    return {
      confirm: interaction.confirm,
      askPassphrase: ask
        ? async (file) => {
            const answer = await ask(file);
            if (answer !== undefined) this.passphrases.set(file, answer);
            return answer;
          }
        : undefined,
      askSecret: interaction.askSecret,
    };
  }

  /** Nobody at a terminal: remembered passphrases, then the askpass program, else no answer. */
  unattended(): Interaction {
    const program = this.askpass ? askpassInteraction(this.askpass) : undefined;
    return {
      unattended: true,
      askPassphrase: async (file) => this.passphrases.get(file) ?? (await program?.askPassphrase?.(file)),
      // Asked, and unanswered without a program: the login then fails with SSH_NEEDS_ANSWER.
      askSecret: async (question) => await program?.askSecret?.(question),
    };
  }
}
