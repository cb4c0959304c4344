// The real launchctl/systemctl runner, with real programs standing in: the shell-like answers login-item
// relies on (127 when missing, the exit code and stderr otherwise).
import { describe, expect, it } from 'vitest';
import { runServiceCommand } from '../../../src/agent/login-item-command.js';

describe('runServiceCommand', () => {
  it('a missing service manager answers 127 "command not found", as a shell would', async () => {
    expect(await runServiceCommand('tunnel-no-systemctl', ['--user', 'daemon-reload'])).toEqual({
      code: 127,
      stdout: '',
      stderr: 'tunnel-no-systemctl: command not found',
    });
  });

  it('gives the exit code with what the command said', async () => {
    const result = await runServiceCommand('sh', ['-c', 'echo "Failed to connect to bus" >&2; exit 1']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'Failed to connect to bus\n' });
  });

  it('a silent failure still says which command failed', async () => {
    const result = await runServiceCommand('sh', ['-c', 'exit 5']);
    expect(result).toEqual({ code: 5, stdout: '', stderr: "`sh -c 'exit 5'` exited with code 5" });
  });

  it('success keeps stdout', async () => {
    expect(await runServiceCommand('sh', ['-c', 'echo enabled'])).toEqual({
      code: 0,
      stdout: 'enabled\n',
      stderr: '',
    });
  });
});
