// The login item's renderers: quoting per systemd's rules, XML escaping, and the restart semantics
// (a crash restarts the agent, a clean `tunnel agent stop` does not).
import { describe, expect, it } from 'vitest';
import { type LoginItemSpec, launchdPlist, systemdUnit } from '../../../src/agent/login-item-render.js';
import { TunnelError } from '../../../src/errors.js';

const spec: LoginItemSpec = {
  programArguments: ['/opt/node 20/bin/node', '/Users/me/My Tools/tunnel/bin/tunnel.js', '__agent'],
  environment: [
    ['PATH', '/opt/homebrew/bin:/usr/bin:/bin'],
    ['TUNNEL_HOME', '/home/me/a "quoted" 100% $HOME \\ dir'],
  ],
  logsDir: '/home/me/state/logs',
};

describe('systemdUnit', () => {
  const unit = systemdUnit(spec);

  it('quotes every ExecStart argument, so a path with spaces stays one argument', () => {
    expect(unit).toContain(
      'ExecStart="/opt/node 20/bin/node" "/Users/me/My Tools/tunnel/bin/tunnel.js" "__agent"\n',
    );
  });

  it('escapes %, $, quotes and backslashes the way systemd unquotes them', () => {
    const odd = systemdUnit({
      ...spec,
      programArguments: ['/opt/100%/$v/node', 'a"b\\c', '50%', '$HOME\tx'],
    });
    // $ is substituted in the arguments only, never in the program path; % is a specifier everywhere.
    expect(odd).toContain('ExecStart="/opt/100%%/$v/node" "a\\"b\\\\c" "50%%" "$$HOME\\x09x"\n');
    // Environment= does no $ substitution either.
    expect(unit).toContain('Environment="TUNNEL_HOME=/home/me/a \\"quoted\\" 100%% $HOME \\\\ dir"\n');
    expect(unit).toContain('Environment="PATH=/opt/homebrew/bin:/usr/bin:/bin"\n');
  });

  it('refuses a program path that systemd would refuse to run', () => {
    for (const program of ['/opt/a"b/node', "/opt/it's/node", '/opt/a\\b/node']) {
      expect(() => systemdUnit({ ...spec, programArguments: [program, 'x'] })).toThrow(/systemd cannot run/);
    }
  });

  it('restarts after a crash only, never after a clean stop, and starts with the user session', () => {
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).not.toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartSec=2$/m);
    expect(unit).toMatch(/\[Install\]\nWantedBy=default\.target\n/);
    expect(unit).toMatch(/^\[Unit\]\nDescription=tunnel agent/m);
  });
});

describe('launchdPlist', () => {
  const plist = launchdPlist(spec);

  it('names the job, its arguments, and starts it at load', () => {
    expect(plist).toContain('<key>Label</key>\n  <string>dev.tunnel.agent</string>');
    expect(plist).toContain(
      '<array>\n    <string>/opt/node 20/bin/node</string>\n' +
        '    <string>/Users/me/My Tools/tunnel/bin/tunnel.js</string>\n' +
        '    <string>__agent</string>\n  </array>',
    );
    expect(plist).toContain('<key>RunAtLoad</key>\n  <true/>');
  });

  it('keeps it alive only after an unsuccessful exit', () => {
    expect(plist).toContain('<key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>');
    expect(plist).not.toMatch(/<key>KeepAlive<\/key>\s*<true\/>/);
  });

  it('runs as an Interactive process, so launchd neither throttles it nor coalesces its timers', () => {
    expect(plist).toContain('<key>ProcessType</key>\n  <string>Interactive</string>');
  });

  it('XML-escapes values and logs stdout and stderr to the logs directory', () => {
    const odd = launchdPlist({ ...spec, programArguments: ['/a&b/<node>', 'it\'s "x"'] });
    expect(odd).toContain('<string>/a&amp;b/&lt;node&gt;</string>');
    expect(odd).toContain('<string>it&apos;s &quot;x&quot;</string>');
    expect(plist).toContain('<string>/home/me/a &quot;quoted&quot; 100% $HOME \\ dir</string>');
    expect(plist).toContain(
      '<key>StandardOutPath</key>\n  <string>/home/me/state/logs/agent.stdout.log</string>',
    );
    expect(plist).toContain(
      '<key>StandardErrorPath</key>\n  <string>/home/me/state/logs/agent.stdout.log</string>',
    );
  });

  it('refuses a control character that XML cannot carry', () => {
    expect(() => launchdPlist({ ...spec, programArguments: ['/bin/a\u0001b'] })).toThrow(TunnelError);
  });
});
