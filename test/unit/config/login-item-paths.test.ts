// Where the login item lives and which environment it passes to the agent (never SSH_AUTH_SOCK).
import { describe, expect, it } from 'vitest';
import { loginItemPaths } from '../../../src/config/login-item-paths.js';

describe('loginItemPaths', () => {
  it('puts the plist in ~/Library/LaunchAgents and the unit under XDG_CONFIG_HOME', () => {
    expect(loginItemPaths({ HOME: '/Users/me' }, 'darwin')?.file).toBe(
      '/Users/me/Library/LaunchAgents/dev.tunnel.agent.plist',
    );
    expect(loginItemPaths({ HOME: '/home/me' }, 'linux')?.file).toBe(
      '/home/me/.config/systemd/user/tunnel-agent.service',
    );
    expect(loginItemPaths({ HOME: '/home/me', XDG_CONFIG_HOME: '/xdg' }, 'linux')?.file).toBe(
      '/xdg/systemd/user/tunnel-agent.service',
    );
    // A relative XDG_CONFIG_HOME is invalid per the spec, and systemd ignores it too.
    expect(loginItemPaths({ HOME: '/home/me', XDG_CONFIG_HOME: 'rel' }, 'linux')?.file).toBe(
      '/home/me/.config/systemd/user/tunnel-agent.service',
    );
    expect(loginItemPaths({ HOME: '/home/me' }, 'win32')).toBeUndefined();
  });

  it('passes PATH (absolute entries) and TUNNEL_HOME, and never SSH_AUTH_SOCK', () => {
    const env = {
      HOME: '/home/me',
      PATH: '/usr/bin:bin:/usr/bin:/bin',
      TUNNEL_HOME: '/t',
      SSH_AUTH_SOCK: '/s',
    };
    const paths = loginItemPaths(env, 'linux');
    expect(paths?.agentEnv).toEqual([
      ['PATH', '/usr/bin:/bin'],
      ['TUNNEL_HOME', '/t'],
    ]);
    expect(paths?.logsDir).toBe('/t/logs');
    expect(loginItemPaths({ HOME: '/home/me', PATH: '' }, 'linux')?.agentEnv).toEqual([
      ['PATH', '/usr/local/bin:/usr/bin:/bin'],
    ]);
  });
});
