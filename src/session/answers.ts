// Who answers a session's login questions, and when. While `tunnel connect` runs, the person at its
// terminal (relayed by the agent); afterwards nobody, except what may be answered without a person:
// a key passphrase typed earlier (kept in this process's memory, never on disk or in a log, as
// ssh-agent would), and the session's SSH_ASKPASS program when it was given one. Passwords and
// one-time codes are never kept: a code is good once, and OpenSSH does not cache passwords either.
// Without an answer the login fails with SSH_NEEDS_ANSWER and the session waits for a person.

import { askpassInteraction } from '../devserver/askpass.js';
import type { Interaction } from '../devserver/connect.js';
import { TunnelError } from '../errors.js';
import { answerWasRefused } from '../ssh/answer-refused.js';
import { passphraseOpens } from '../ssh/key-files.js';

export class SessionAnswers {
  private readonly passphrases = new Map<string, string>();

  /** askpass: the program that answers unattended reconnects (SessionOptions.askpass), if any. */
  constructor(private readonly askpass: string | undefined) {}

  /**
   * The person's interaction, their passphrases remembered for later reconnects. Within this one connect
   * a key's passphrase is asked once: auto's fallback to OpenSSH asks again for a key the ssh2 attempt
   * already opened, and gets the typed answer, but only one that opens the key (a wrong one is asked
   * again, as ssh does).
   */
  remembering(interaction: Interaction): Interaction {
    const ask = interaction.askPassphrase;
    const typed = new Map<string, string>();
    return {
      confirm: interaction.confirm,
      askPassphrase: ask
        ? async (file) => {
            const known = typed.get(file);
            if (known !== undefined && (await passphraseOpens(file, known))) return known;
            const answer = await ask(file);
            if (answer !== undefined) {
              this.passphrases.set(file, answer);
              typed.set(file, answer);
            }
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
      // Only with a program: without one, nobody can answer, so neither transport may even start a
      // password or keyboard-interactive login (an unanswered one is still a failed PAM attempt, a Duo
      // push); the login fails with SSH_NEEDS_ANSWER before the server asks.
      ...(program?.askSecret ? { askSecret: program.askSecret } : {}),
    };
  }

  /**
   * What a failed login means for the session. Unattended, a password or code that was sent and refused
   * (the askpass program's) is SSH_NEEDS_ANSWER: retrying on a timer would send it again at every
   * attempt and lock the account, so the session waits for `tunnel connect` instead.
   */
  failure(error: unknown, interaction: Interaction, alias: string): unknown {
    if (!interaction.unattended || !answerWasRefused(error)) return error;
    return new TunnelError(
      'SSH_NEEDS_ANSWER',
      `${error.message.replace(/\.$/, '')}; the answer SSH_ASKPASS gave was refused, so the session stops retrying by itself`,
      {
        hint: `Run \`tunnel connect ${alias}\` at a terminal to answer it, and check the SSH_ASKPASS program`,
        cause: error,
      },
    );
  }
}
