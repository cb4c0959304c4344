import { describe, expect, it } from 'vitest';
import { parseServerFrame } from '../../../src/control/protocol.js';
import { encodeReply } from '../../../src/control/reply.js';

describe('encodeReply', () => {
  it('sends a reply within the cap as it is', () => {
    const { text, refused } = encodeReply({ v: 1, id: 3, type: 'ok', body: { a: 'x'.repeat(100) } }, 1024);
    expect(refused).toBeUndefined();
    expect(parseServerFrame(text.trimEnd())).toMatchObject({ id: 3, type: 'ok' });
  });

  it('turns a reply over the cap into an error for the same request that names its size', () => {
    const body = { a: 'x'.repeat(3 * 1024 * 1024) };
    const { text, refused } = encodeReply({ v: 1, id: 7, type: 'ok', body }, 1024 * 1024);
    expect(refused).toBe('agent reply of 3.0 MiB exceeds the limit of 1.0 MiB');
    expect(parseServerFrame(text.trimEnd())).toMatchObject({
      id: 7,
      type: 'error',
      error: { code: 'PROTOCOL', message: refused },
    });
  });
});
