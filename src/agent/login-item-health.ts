// Whether the login item would actually start the agent at the next login, for `tunnel agent status`
// and `tunnel doctor`: the file is there, the node and the tunnel script it names still exist (a
// `brew upgrade node` deletes the Cellar path an older install recorded), and on macOS launchd has the
// job loaded and the user has not switched it off (System Settings → General → Login Items, macOS 13+).
// launchctl is reached only through the injected `run`; tests answer it with macOS-shaped fixtures.
import fs from 'node:fs';
import { LAUNCHD_LABEL, type LoginItemPaths, type ServiceManager } from '../config/login-item-paths.js';
import { boundText, escapeControls, stderrLines } from '../redact.js';
import type { RunCommand } from './login-item.js';

export interface LoginItemHealth {
  installed: boolean;
  file: string;
  manager: ServiceManager;
  /** What keeps it from starting the agent at login, in the user's words; undefined when nothing does. */
  problem?: string;
  /** The command that repairs the problem. */
  fix?: string;
  /** Something we could not find out (launchctl unavailable over ssh…); never a failure. */
  note?: string;
}

export interface LoginItemHealthInput {
  platform: NodeJS.Platform;
  paths: LoginItemPaths | undefined;
  uid: number;
  run: RunCommand;
  /** Whether a program path exists; fs.existsSync unless a test injects fixtures. */
  exists?: (file: string) => boolean;
}

const REINSTALL = 'tunnel agent install';
// launchctl's output is local but not ours: keep one short line of it in a message.
const MAX_QUOTED = 200;

function quoted(text: string): string {
  const line = stderrLines(text)[0]?.trim() ?? '';
  return boundText(escapeControls(line.slice(0, MAX_QUOTED * 2)), MAX_QUOTED);
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** ProgramArguments of a plist `tunnel agent install` wrote (one `<string>` per argument). */
export function plistProgramArguments(plist: string): string[] {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? '';
  return [...array.matchAll(/<string>([^<]*)<\/string>/g)].map((match) =>
    (match[1] ?? '').replaceAll(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? ''),
  );
}

// Undoes login-item-render's systemdQuote: C escapes, %% and (in the arguments only) $$.
function systemdUnquote(token: string, collapseDollar: boolean): string {
  const unescaped = token
    .replaceAll(/\\(x[0-9a-f]{2}|n|\\|")/g, (_, code: string) =>
      code.startsWith('x')
        ? String.fromCharCode(Number.parseInt(code.slice(1), 16))
        : code === 'n'
          ? '\n'
          : code,
    )
    .replaceAll('%%', '%');
  return collapseDollar ? unescaped.replaceAll('$$', '$') : unescaped;
}

/** The ExecStart= command line of a unit `tunnel agent install` wrote (every word double-quoted). */
export function unitProgramArguments(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const tokens = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? '');
  return tokens.map((token, index) => systemdUnquote(token, index > 0));
}

/** The node and the tunnel script the item runs: the first argument, and the one before `__agent`. */
function programOf(args: string[]): { node: string; script: string } | undefined {
  const agentAt = args.indexOf('__agent');
  const node = args[0];
  const script = args[agentAt - 1];
  return agentAt >= 2 && node && script ? { node, script } : undefined;
}

function missingProgram(args: string[], exists: (file: string) => boolean): [string, string] | undefined {
  const program = programOf(args);
  if (!program) return ['the file does not name the agent’s command (edited by hand?)', REINSTALL];
  if (!exists(program.node)) {
    const why = program.node.includes('/Cellar/') ? ' (brew upgrade?)' : '';
    return [`the program ${program.node} is gone${why}`, REINSTALL];
  }
  if (!exists(program.script)) return [`${program.script} is gone (tunnel moved or uninstalled?)`, REINSTALL];
  return undefined;
}

/**
 * `launchctl print-disabled gui/<uid>` lists overrides as `"label" => disabled` (macOS 13+) or
 * `"label" => true` (older). A switch in Login Items is such an override.
 */
export function launchdDisabled(printDisabled: string, label = LAUNCHD_LABEL): boolean {
  const escaped = label.replaceAll('.', '\\.');
  return new RegExp(`^\\s*"${escaped}"\\s*=>\\s*(?:disabled|true)\\s*$`, 'm').test(printDisabled);
}

/** A loaded job that launchd could not start: `job state = spawn failed`, `last exit code = 78: EX_CONFIG`. */
export function launchdSpawnFailure(print: string): string | undefined {
  if (/^\s*state = running\s*$/m.test(print)) return undefined;
  if (!/^\s*job state = spawn failed\s*$/m.test(print)) return undefined;
  const exit = /^\s*last exit code = (.+)$/m.exec(print)?.[1];
  return `launchd could not start it (job state = spawn failed${exit ? `, last exit code = ${quoted(exit)}` : ''})`;
}

type Finding = Pick<LoginItemHealth, 'problem' | 'fix' | 'note'>;

async function launchdFinding(input: LoginItemHealthInput): Promise<Finding> {
  const domain = `gui/${input.uid}`;
  const target = `${domain}/${LAUNCHD_LABEL}`;
  const disabled = await input.run('launchctl', ['print-disabled', domain]);
  if (disabled.code === 0 && launchdDisabled(disabled.stdout)) {
    return {
      problem: 'it is switched off in System Settings → General → Login Items',
      // install runs `launchctl enable` before it bootstraps the job again.
      fix: `${REINSTALL} (or switch it on again in Login Items)`,
    };
  }
  const print = await input.run('launchctl', ['print', target]);
  const said = `${print.stderr}\n${print.stdout}`;
  // 113 with this wording is launchd's "no such job here"; anything else (no GUI session over ssh,
  // no launchctl) says nothing about the job. Not loaded is not "will not start": launchd loads every
  // plist in ~/Library/LaunchAgents at each login (booted out by hand, or installed over ssh with no
  // GUI session); only a crash now would not be restarted until then.
  if (print.code === 113 && /Could not find service/.test(said)) {
    return { note: `not loaded in ${domain} now: it loads at your next login; ${REINSTALL} loads it now` };
  }
  if (print.code !== 0) return { note: `could not ask launchd (launchctl print: ${quoted(said)})` };
  const failure = launchdSpawnFailure(print.stdout);
  return failure ? { problem: failure, fix: REINSTALL } : {};
}

/** The login item's state; undefined where no service manager is supported. */
export async function loginItemHealth(input: LoginItemHealthInput): Promise<LoginItemHealth | undefined> {
  const { paths } = input;
  if (!paths) return undefined;
  const base = { file: paths.file, manager: paths.manager };
  let text: string;
  try {
    text = fs.readFileSync(paths.file, 'utf8');
  } catch {
    return { ...base, installed: false };
  }
  const args = paths.manager === 'launchd' ? plistProgramArguments(text) : unitProgramArguments(text);
  const missing = missingProgram(args, input.exists ?? fs.existsSync);
  if (missing) return { ...base, installed: true, problem: missing[0], fix: missing[1] };
  if (paths.manager !== 'launchd') return { ...base, installed: true };
  return { ...base, installed: true, ...(await launchdFinding(input)) };
}

/** The `starts at login:` line of `tunnel agent status`. */
export function loginItemLine(health: LoginItemHealth): string {
  if (!health.installed) return `starts at login: no (${REINSTALL})`;
  if (health.problem) return `starts at login: no — ${health.problem}; run: ${health.fix ?? REINSTALL}`;
  const note = health.note ? `; ${health.note}` : '';
  return `starts at login: yes (${health.file}${note})`;
}
