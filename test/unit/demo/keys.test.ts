import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/demo/server.js';

describe('demo key pairs', () => {
  it('every generated pair parses (ssh2#1513 makes about 1 in 256 of its raw pairs malformed)', () => {
    // 1,000 pairs: with the raw generator (0.27% malformed here), the chance that none is bad is about 7%.
    for (let i = 0; i < 1000; i += 1) {
      const pair = generateKeyPair('test');
      expect(ssh2.utils.parseKey(pair.privateKey)).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.publicKey)).not.toBeInstanceOf(Error);
    }
  });
});
