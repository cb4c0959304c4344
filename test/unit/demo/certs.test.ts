// The demo's PKI through the real openssl: certificates a TLS stack accepts, and a clear skip reason
// when openssl is not there.
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDemoCertificates } from '../../../src/demo/certs.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('makeDemoCertificates', () => {
  it('issues a serving certificate for 127.0.0.1 signed by the server CA', async () => {
    const skipped: string[] = [];
    const certs = await makeDemoCertificates((why) => skipped.push(why));
    expect(skipped).toEqual([]);
    const serving = new X509Certificate(certs!.servingCert);
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.verify(new X509Certificate(certs!.serverCa).publicKey)).toBe(true);
  });

  it('says openssl is not installed when it is not on PATH', async () => {
    process.env.PATH = '/nonexistent';
    const skipped: string[] = [];
    expect(await makeDemoCertificates((why) => skipped.push(why))).toBeUndefined();
    expect(skipped).toEqual(['openssl is not installed']);
  });
});
