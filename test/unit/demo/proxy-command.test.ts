import { describe, expect, it } from 'vitest';
import { demoProxyCommand } from '../../../src/demo/setup.js';
import { expandProxyCommand } from '../../../src/ssh/proxy-command.js';
import { sshTarget } from '../../builders.js';

describe('demoProxyCommand', () => {
  it('quotes paths with spaces and escapes % so ssh_config expansion gives them back unchanged', () => {
    const line = demoProxyCommand('/opt/my node/bin/node', '/home/a 100%/dist/demo/proxy.js');
    const target = sshTarget({ hostName: '127.0.0.1', port: 40123 });
    expect(expandProxyCommand(line, target)).toBe(
      "'/opt/my node/bin/node' '/home/a 100%/dist/demo/proxy.js' 127.0.0.1 40123",
    );
  });
});
