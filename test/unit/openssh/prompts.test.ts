// Each question the OpenSSH master asks through SSH_ASKPASS reaches the right callback: host-key yes/no
// questions the host-key prompt, a key's passphrase askPassphrase with the file, the rest askSecret.
// Prompt text is shown escaped: a keyboard-interactive prompt is the server's.
import { describe, expect, it } from 'vitest';
import { classifyPrompt } from '../../../src/openssh/prompts.js';

const HOST_KEY =
  "The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.\n" +
  'ED25519 key fingerprint is SHA256:jGOa5U4p+xvrx/dTJmDaNUScQVW8LQBFZvk5OooXfwc.\n' +
  'This key is not known by any other names.\n' +
  'Are you sure you want to continue connecting (yes/no/[fingerprint])? ';

describe('classifyPrompt', () => {
  it('sends host-key questions (and their re-ask) to the yes/no prompt, lines kept', () => {
    expect(classifyPrompt(HOST_KEY, '')).toEqual({ kind: 'yes-no', question: HOST_KEY });
    expect(classifyPrompt("Please type 'yes', 'no' or the fingerprint: ", '').kind).toBe('yes-no');
    expect(classifyPrompt('Accept updated hostkeys? (yes/no): ', '').kind).toBe('yes-no');
  });

  it("asks for a key's passphrase with its file", () => {
    expect(classifyPrompt("Enter passphrase for key '/home/me/.ssh/id ed25519': ", '')).toEqual({
      kind: 'passphrase',
      file: '/home/me/.ssh/id ed25519',
    });
  });

  it('sends passwords, codes, PINs and keyboard-interactive prompts to askSecret', () => {
    for (const prompt of [
      "me@dev's password: ",
      '(me@dev) Verification code: ',
      'Enter PIN for ED25519-SK key /k: ',
    ]) {
      expect(classifyPrompt(prompt, '')).toEqual({ kind: 'secret', prompt });
    }
  });

  it('a server cannot pose as a passphrase question (kbd-int prompts carry "(user@host) ")', () => {
    expect(classifyPrompt("(me@dev) Enter passphrase for key '/home/me/.ssh/id_ed25519': ", '').kind).toBe(
      'secret',
    );
  });

  it('takes SSH_ASKPASS_PROMPT as ssh sets it: none is a notice, confirm a permission question', () => {
    expect(classifyPrompt('Confirm user presence for key ED25519-SK SHA256:x', 'none')).toEqual({
      kind: 'notice',
      text: 'Confirm user presence for key ED25519-SK SHA256:x',
    });
    expect(classifyPrompt('Allow use of key?', 'confirm')).toEqual({
      kind: 'confirm',
      question: 'Allow use of key?',
    });
  });

  it('escapes control characters and bounds the text', () => {
    const hostile = `(me@dev) \x1b]52;c;aGk=\x07code ${'x'.repeat(5000)}: `;
    const request = classifyPrompt(hostile, '');
    expect(request.kind).toBe('secret');
    const shown = request.kind === 'secret' ? request.prompt : '';
    expect(shown).not.toMatch(/[\u0000-\u001f]/);
    expect(shown).toContain('\\x1b]52');
    expect(shown.length).toBeLessThanOrEqual(2049);
  });
});
