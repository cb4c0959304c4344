// The failure line of a local process: one line, whatever line endings the tool used.
import { describe, expect, it } from 'vitest';
import { toResult } from '../../../src/process/result.js';

const failed = { failed: true, timedOut: false, isCanceled: false, isMaxBuffer: false };

describe('toResult', () => {
  it('quotes the last thing a tool said, without a carriage return from a progress line or CRLF', () => {
    const result = toResult('docker save app:1', {
      ...failed,
      exitCode: 1,
      stderr: 'saving 10%\rsaving 20%\rError: no such image\r',
    });
    expect(result.failure).toBe('`docker save app:1` exited with code 1: Error: no such image');
    const crlf = toResult('lsof -i', { ...failed, code: 'EACCES', originalMessage: 'spawn\r\nEACCES\r\n' });
    expect(crlf.failure).toBe('`lsof -i` could not run: EACCES');
  });
});
