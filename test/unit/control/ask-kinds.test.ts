// Login questions on the wire (issue 12): the agent asks `secret` (hidden) and `text` (echoed) with the
// server's prompt; the CLI refuses oversize ones, makes the prompt safe, and hands it to askSecret.
import type net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { type AskedQuestion, ControlClient } from '../../../src/control/client.js';
import { isProtocolError, parseServerFrame } from '../../../src/control/protocol.js';
import { MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS, questionText } from '../../../src/redact.js';
import { FakeSocket } from './fake-socket.js';

const v = 1;
const ask = (fields: Record<string, unknown>) =>
  parseServerFrame(JSON.stringify({ v, id: 3, type: 'ask', requestId: 1, ...fields }));

describe('ask frames for login questions', () => {
  it('reads secret and text with their instructions; the old kinds still parse', () => {
    expect(ask({ kind: 'secret', text: 'Verification code: ', instructions: 'Duo two-factor' })).toEqual({
      v,
      id: 3,
      type: 'ask',
      requestId: 1,
      kind: 'secret',
      text: 'Verification code: ',
      instructions: 'Duo two-factor',
    });
    expect(ask({ kind: 'text', text: 'Username: ' })).toMatchObject({ kind: 'text' });
    expect(ask({ kind: 'passphrase', text: '/home/me/.ssh/id_ed25519' })).toMatchObject({
      kind: 'passphrase',
    });
    expect(ask({ kind: 'confirm', text: 'trust?' })).toMatchObject({ kind: 'confirm' });
  });

  it('takes the longest prompt and instructions the agent sends (bounded by questionText)', () => {
    const text = questionText('\u0007'.repeat(100_000), MAX_PROMPT_CHARS);
    const instructions = questionText('y'.repeat(100_000), MAX_INSTRUCTIONS_CHARS);
    expect(ask({ kind: 'secret', text, instructions })).toMatchObject({ kind: 'secret', text, instructions });
  });

  it('refuses an unknown kind, an oversize prompt and oversize instructions', () => {
    const refused = [
      ask({ kind: 'otp', text: 'code' }),
      ask({ kind: 'secret', text: 'x'.repeat(MAX_PROMPT_CHARS + 2) }),
      ask({ kind: 'text', text: 'Code: ', instructions: 'y'.repeat(100_000) }),
      ask({ kind: 'secret', text: 'Code: ', instructions: 42 }),
    ];
    for (const frame of refused) expect(isProtocolError(frame) && frame.reason).toBe('bad-field');
  });
});

describe('questionText', () => {
  it('removes escape sequences whole and shows other controls as escapes; keeps lines', () => {
    const hostile =
      '\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u001b[31mPassword\u001b[0m:\u0008\u0008 \nline 2\r\n';
    expect(questionText(hostile, 100)).toBe('Password:\\x08\\x08 \nline 2\n');
  });

  it('bounds the length, marking the cut', () => {
    expect(questionText('a'.repeat(50), 10)).toBe(`${'a'.repeat(10)}…`);
  });

  it('stays fast on a long run of escapes', () => {
    expect(questionText('\u001b['.repeat(500_000), 512).length).toBeLessThanOrEqual(513);
  });
});

describe('ControlClient relays login questions to askSecret', () => {
  async function relay(frame: Record<string, unknown>, answer: string | undefined) {
    const socket = new FakeSocket();
    const askSecret = vi.fn(async (_question: AskedQuestion) => answer);
    const client = new ControlClient(socket as unknown as net.Socket, { interaction: { askSecret } });
    void client.request('status', {}).catch(() => {});
    socket.emit(
      'data',
      Buffer.from(`${JSON.stringify({ v, id: 9, type: 'ask', requestId: 1, ...frame })}\n`),
    );
    await vi.waitFor(() => expect(socket.written.length).toBe(2));
    client.close();
    return { askSecret, reply: JSON.parse(socket.written[1] ?? '{}') as Record<string, unknown> };
  }

  it('secret: hidden, prompt made safe, the answer goes back in the answer frame', async () => {
    const { askSecret, reply } = await relay(
      { kind: 'secret', text: '\u001b[1mCode\u001b[0m: ', instructions: 'Enter\u0007 the code' },
      '123456',
    );
    expect(askSecret).toHaveBeenCalledWith({
      prompt: 'Code: ',
      echo: false,
      instructions: 'Enter\\x07 the code',
    });
    expect(reply).toEqual({ v, id: 9, type: 'answer', value: '123456' });
  });

  it('text: echoed; no answer is null', async () => {
    const { askSecret, reply } = await relay({ kind: 'text', text: 'Username: ' }, undefined);
    expect(askSecret).toHaveBeenCalledWith({ prompt: 'Username: ', echo: true });
    expect(reply).toMatchObject({ type: 'answer', value: null });
  });
});
