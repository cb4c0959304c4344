// SSH_ASKPASS as OpenSSH uses it: when it is asked instead of the terminal, and how it is run (the prompt
// as its only argument, one line of its stdout, a non-zero exit = no answer). Real scripts, no shell.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askpassInteraction } from '../../../src/devserver/askpass.js';

describe('askpassInteraction runs the program', () => {
  let dir: string;
  let script: string;
  const record = () => fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-askpass-'));
    script = path.join(dir, 'askpass');
    // Records argv[1] and SSH_ASKPASS_PROMPT, then answers by what it was asked.
    fs.writeFileSync(
      script,
      `#!/bin/sh
printf '%s|%s\\n' "$1" "\${SSH_ASKPASS_PROMPT-unset}" >> '${dir}/calls'
case "$1" in
  *code*) printf '424242\\nsecond line\\n' ;;
  *passphrase*) printf 'correct horse' ;;
  *authenticity*) echo '  YES  ' ;;
  *refuse*) exit 1 ;;
  *chatty*) head -c 5000 /dev/zero | tr '\\0' x ;;
  *) echo maybe ;;
esac
`,
      { mode: 0o700 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ PATH: process.env.PATH, SSH_ASKPASS_PROMPT: 'confirm' });

  it('a one-time code: the prompt is its only argument (made safe), the first line is the answer', async () => {
    const ask = askpassInteraction(script, env());
    const answer = await ask.askSecret?.({ prompt: '\u001b[31mVerification code\u001b[0m: ', echo: false });
    expect(answer).toBe('424242');
    // An inherited SSH_ASKPASS_PROMPT is not passed on: this is not a yes/no question.
    expect(record().at(-1)).toBe('Verification code: |unset');
  });

  it('a passphrase is asked as OpenSSH words it', async () => {
    const answer = await askpassInteraction(script, env()).askPassphrase?.('/home/me/.ssh/id_ed25519');
    expect(answer).toBe('correct horse');
    expect(record().at(-1)).toBe("Enter passphrase for key '/home/me/.ssh/id_ed25519': |unset");
  });

  it('a non-zero exit, or more output than OpenSSH reads, is no answer', async () => {
    const ask = askpassInteraction(script, env());
    expect(await ask.askSecret?.({ prompt: 'refuse: ', echo: false })).toBeUndefined();
    expect(await ask.askSecret?.({ prompt: 'chatty: ', echo: true })).toBeUndefined();
  });

  it('a host key: the typed answer decides, as confirm() in sshconnect.c; other words ask again', async () => {
    const ask = askpassInteraction(script, env());
    expect(await ask.confirm?.('The authenticity of host ... (yes/no)? ')).toBe(true);
    expect(await ask.confirm?.('refuse')).toBe(false);
    const before = record().length;
    expect(await ask.confirm?.('Shall we?')).toBe(false);
    expect(record().slice(before)).toHaveLength(5);
    expect(record().at(-1)).toBe("Please type 'yes' or 'no': |unset");
  });
});
