// Pure renderers of the agent's login item: the launchd plist (macOS) and the systemd user unit (Linux).
// No I/O here; every value is escaped for the file's own syntax, so odd paths (spaces, quotes, %, $, &)
// reach the agent unchanged.
import path from 'node:path';
import { LAUNCHD_LABEL } from '../config/login-item-paths.js';
import { TunnelError } from '../errors.js';

export interface LoginItemSpec {
  /** The agent's command line: node, the bin shim, `__agent`. */
  programArguments: string[];
  /** Variables the job gets (PATH, TUNNEL_HOME); never secrets, the file is not private. */
  environment: Array<[string, string]>;
  /** launchd writes the job's stdout/stderr here (systemd uses the journal). */
  logsDir: string;
}

// ---- launchd ----------------------------------------------------------------------------------

// XML 1.0 cannot carry these at all, not even as character references.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function xml(value: string): string {
  if (XML_FORBIDDEN.test(value)) {
    throw new TunnelError('AGENT', `cannot put ${JSON.stringify(value)} in a launchd plist`, {
      hint: 'It contains a control character; move tunnel (or node) to a plain path and install again.',
    });
  }
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

export function launchdPlist(spec: LoginItemSpec): string {
  const log = xml(path.join(spec.logsDir, 'agent.stdout.log'));
  const args = spec.programArguments.map((arg) => `    <string>${xml(arg)}</string>`);
  const env = spec.environment.map(
    ([name, value]) => `    <key>${xml(name)}</key>\n    <string>${xml(value)}</string>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `tunnel agent install`; remove it with `tunnel agent uninstall`. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>\n  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>\n  <array>',
    ...args,
    '  </array>',
    '  <key>RunAtLoad</key>\n  <true/>',
    // Restart only after an unsuccessful exit (crash, signal): `tunnel agent stop` exits 0 and stays stopped.
    '  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>',
    // launchd.plist(5): with no ProcessType the job gets "light resource limits" (CPU and I/O throttled),
    // Background more, and Adaptive is Background unless an XPC peer is active, which never happens here.
    // The agent carries the user's kubectl and browser traffic, and its wake check compares a 5 s tick
    // with the clock: throttled timers may be coalesced by up to 10 s, which reads as a sleep. Interactive
    // runs it like an app (no limits); it idles on sockets, so this costs nothing while nothing flows.
    '  <key>ProcessType</key>\n  <string>Interactive</string>',
    '  <key>EnvironmentVariables</key>\n  <dict>',
    ...env,
    '  </dict>',
    `  <key>StandardOutPath</key>\n  <string>${log}</string>`,
    `  <key>StandardErrorPath</key>\n  <string>${log}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

// ---- systemd ----------------------------------------------------------------------------------

// systemd expands %-specifiers and then unquotes with C escapes, in ExecStart= and in Environment=.
// ExecStart= also substitutes $VAR in the arguments after the program, so a literal $ is written $$ there;
// the program itself and Environment= values get no $ substitution, so $ stays single.
function systemdQuote(value: string, escapeDollar: boolean): string {
  let quoted = '';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (char === '\\' || char === '"') quoted += `\\${char}`;
    else if (char === '%') quoted += '%%';
    else if (char === '$' && escapeDollar) quoted += '$$';
    else if (char === '\n') quoted += '\\n';
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else quoted += char;
  }
  return `"${quoted}"`;
}

// systemd refuses to run a program whose path holds quotes, backslashes or control characters, however
// they are escaped ("Executable name contains special characters"); say so now, not at the next login.
function systemdProgram(program: string): string {
  if (/["'\\\u0000-\u001f\u007f]/.test(program)) {
    throw new TunnelError(
      'AGENT',
      `systemd cannot run ${JSON.stringify(program)}: its path has quotes, backslashes or control characters`,
      { hint: 'Install node at a plain path, and run `tunnel agent install` with that node.' },
    );
  }
  return systemdQuote(program, false);
}

export function systemdUnit(spec: LoginItemSpec): string {
  const [program = '', ...args] = spec.programArguments;
  const execStart = [systemdProgram(program), ...args.map((arg) => systemdQuote(arg, true))].join(' ');
  const env = spec.environment.map(
    ([name, value]) => `Environment=${systemdQuote(`${name}=${value}`, false)}`,
  );
  return [
    '# Written by `tunnel agent install`; remove it with `tunnel agent uninstall`.',
    '[Unit]',
    'Description=tunnel agent: k3d clusters of a dev server forwarded over SSH',
    '',
    '[Service]',
    `ExecStart=${execStart}`,
    ...env,
    '# A crash restarts it; a clean exit (`tunnel agent stop`, a second agent finding one running) does not.',
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}
