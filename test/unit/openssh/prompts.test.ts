// Each question the OpenSSH master asks through SSH_ASKPASS reaches the right callback: host-key yes/no
// questions the host-key prompt, a key's passphrase askPassphrase with the file, the rest askSecret.
// Prompt text is shown escaped: a keyboard-interactive prompt is the server's. Before OpenSSH 8.4 such a
// prompt came verbatim (no "(user@host) "), so a server's text must not pass for ssh's own questions.
import { describe, expect, it } from 'vitest';
import { classifyPrompt } from '../../../src/openssh/prompts.js';

const HOST_KEY =
  "The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.\n" +
  'ED25519 key fingerprint is SHA256:jGOa5U4p+xvrx/dTJmDaNUScQVW8LQBFZvk5OooXfwc.\n' +
  'This key is not known by any other names.\n' +
  'Are you sure you want to continue connecting (yes/no/[fingerprint])? ';
const CHECK_HOST_IP =
  "Warning: the ECDSA host key for 'dev' differs from the key for the IP address '10.0.0.2'\n" +
  'Offending key for IP in /home/me/.ssh/known_hosts:3\n' +
  'Are you sure you want to continue connecting (yes/no)? ';
const KEY = '/home/me/.ssh/id ed25519';
const KEYS = ['/home/me/.ssh/id_rsa', KEY];

describe('classifyPrompt', () => {
  it('sends host-key questions (and their re-ask) to the yes/no prompt, lines kept', () => {
    expect(classifyPrompt(HOST_KEY, '', KEYS)).toEqual({ kind: 'yes-no', question: HOST_KEY });
    expect(classifyPrompt(CHECK_HOST_IP, '', KEYS).kind).toBe('yes-no');
    expect(classifyPrompt("Please type 'yes', 'no' or the fingerprint: ", '', KEYS).kind).toBe('yes-no');
    expect(classifyPrompt("Please type 'yes' or 'no': ", '', KEYS).kind).toBe('yes-no');
    expect(classifyPrompt('Accept updated hostkeys? (yes/no): ', '', KEYS).kind).toBe('yes-no');
  });

  it('takes a server prompt that only ends like a yes/no question for a secret (old ssh shows it verbatim)', () => {
    for (const prompt of [
      'Continue (yes/no)? ',
      'Approve the push (yes/no): ',
      'Code:\nAre you sure you want to continue connecting (yes/no)? ',
      `${HOST_KEY}\nOne-time code: `,
      "(me@dev) Please type 'yes' or 'no': ",
    ]) {
      expect(classifyPrompt(prompt, '', KEYS).kind).toBe('secret');
    }
  });

  it("asks for a key's passphrase with its file when the file is one of the target's keys", () => {
    expect(classifyPrompt(`Enter passphrase for key '${KEY}': `, '', KEYS)).toEqual({
      kind: 'passphrase',
      file: KEY,
    });
  });

  it('takes a passphrase question for any other file as a secret: an old ssh shows a server prompt as is', () => {
    const forged = "Enter passphrase for key '/home/me/.ssh/id_ecdsa': ";
    expect(classifyPrompt(forged, '', KEYS)).toEqual({ kind: 'secret', prompt: forged });
    expect(classifyPrompt(`Enter passphrase for key '${KEY}': `, '', []).kind).toBe('secret');
  });

  it('matches a long key path as ssh prints it, cut to 100 bytes, and answers for the whole file', () => {
    const long = `/home/me/${'keys/'.repeat(25)}id_ed25519`;
    const shown = long.slice(0, 100);
    expect(classifyPrompt(`Enter passphrase for key '${shown}': `, '', [long])).toEqual({
      kind: 'passphrase',
      file: long,
    });
  });

  it('sends passwords, codes, PINs and keyboard-interactive prompts to askSecret', () => {
    for (const prompt of [
      "me@dev's password: ",
      '(me@dev) Verification code: ',
      'Enter PIN for ED25519-SK key /k: ',
    ]) {
      expect(classifyPrompt(prompt, '', KEYS)).toEqual({ kind: 'secret', prompt });
    }
  });

  it('a server cannot pose as a passphrase question (kbd-int prompts carry "(user@host) ")', () => {
    expect(classifyPrompt(`(me@dev) Enter passphrase for key '${KEY}': `, '', KEYS).kind).toBe('secret');
  });

  it('takes SSH_ASKPASS_PROMPT as ssh sets it: none is a notice, confirm a permission question', () => {
    expect(classifyPrompt('Confirm user presence for key ED25519-SK SHA256:x', 'none', KEYS)).toEqual({
      kind: 'notice',
      text: 'Confirm user presence for key ED25519-SK SHA256:x',
    });
    expect(classifyPrompt('Allow use of key?', 'confirm', KEYS)).toEqual({
      kind: 'confirm',
      question: 'Allow use of key?',
    });
  });

  it('escapes control characters and bounds the text', () => {
    const hostile = `(me@dev) \x1b]52;c;aGk=\x07code ${'x'.repeat(5000)}: `;
    const request = classifyPrompt(hostile, '', KEYS);
    expect(request.kind).toBe('secret');
    const shown = request.kind === 'secret' ? request.prompt : '';
    expect(shown).not.toMatch(/[\u0000-\u001f]/);
    expect(shown).toContain('\\x1b]52');
    expect(shown.length).toBeLessThanOrEqual(2049);
  });

  it('escapes a key file with control characters in it', () => {
    const odd = '/home/me/.ssh/\x1b[2Jkey';
    const request = classifyPrompt(`Enter passphrase for key '${odd}': `, '', [odd]);
    expect(request).toEqual({ kind: 'passphrase', file: '/home/me/.ssh/\\x1b[2Jkey' });
  });
});
