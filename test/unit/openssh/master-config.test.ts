// The generated `ssh -F` file of a ProxyJump master: our options first under `Host *` (first value wins,
// and ssh hands -F to each jump's ssh), then exactly the config ssh would have read.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { includedFiles, masterConfigText, writeMasterConfig } from '../../../src/openssh/master-config.js';
import { makePrivateDir } from '../../../src/openssh/private-dir.js';

describe('the master config', () => {
  it("includes the session's -F file, else ~/.ssh/config and the system file, as ssh reads them", () => {
    expect(includedFiles(undefined, '/home/me')).toEqual(['/home/me/.ssh/config', '/etc/ssh/ssh_config']);
    expect(includedFiles('/w/ssh config', '/home/me')).toEqual(['/w/ssh config']);
    expect(includedFiles('rel/cfg', '/home/me')).toEqual([`${process.cwd()}/rel/cfg`]);
  });

  it('puts our options first, under Host *, then the quoted Includes', () => {
    const text = masterConfigText(
      [
        ['StrictHostKeyChecking', 'yes'],
        ['UpdateHostKeys', 'no'],
      ],
      ['/home/me/.ssh/config', '/etc/ssh/ssh_config'],
    );
    const lines = text.split('\n').filter((line) => !line.startsWith('#') && line !== '');
    expect(lines).toEqual([
      'Host *',
      '  StrictHostKeyChecking yes',
      '  UpdateHostKeys no',
      'Include "/home/me/.ssh/config"',
      'Include "/etc/ssh/ssh_config"',
    ]);
  });

  it('refuses a path an Include line would misread (quotes, globs, %tokens)', () => {
    for (const bad of ['/a"b', '/a/*', '/a/%d/c', '/a\\b', '/a/$HOME/[x]']) {
      expect(() => masterConfigText([], [bad])).toThrow(/Include/);
    }
  });

  it('is written 0600 into the private directory', async () => {
    const dir = await makePrivateDir();
    try {
      await writeMasterConfig(dir.configPath, [['UpdateHostKeys', 'no']], '/w/cfg');
      expect(fs.statSync(dir.configPath).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(dir.configPath, 'utf8')).toContain('Include "/w/cfg"');
      await expect(writeMasterConfig('/tmp/a b/c', [], undefined)).rejects.toMatchObject({
        code: 'SSH_CONNECT',
      });
    } finally {
      await dir.remove();
    }
  });
});
