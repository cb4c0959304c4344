// Terminal questions the SSH layer asks through the CLI (terminal.ts hands them to it as its Interaction):
// yes/no for a new host key, hidden input for a key passphrase, a login's passwords and one-time codes
// (hidden unless the server asks for echo). Terminal UI, so it lives in cli/, not ssh/.
// Uses /dev/tty (works with piped stdin, like ssh) or stdin when it is a TTY; without one: undefined.
import fs from 'node:fs';
import readline from 'node:readline/promises';
import tty from 'node:tty';
import type { AskedQuestion } from '../control/client.js';
import { UsageError } from '../errors.js';
import { escapeControls, MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS, questionText } from '../redact.js';

interface Terminal {
  input: tty.ReadStream;
  output: NodeJS.WritableStream;
  close(): void;
}

function openTerminal(): Terminal | undefined {
  try {
    const input = new tty.ReadStream(fs.openSync('/dev/tty', 'r'));
    const output = new tty.WriteStream(fs.openSync('/dev/tty', 'w'));
    return {
      input,
      output,
      close: () => {
        input.destroy();
        output.destroy();
      },
    };
  } catch {
    // ENXIO: no controlling terminal (daemon, CI). Fall back to stdin only when it is a TTY.
    if (!process.stdin.isTTY) return undefined;
    return {
      input: process.stdin as tty.ReadStream,
      output: process.stderr,
      close: () => process.stdin.pause(),
    };
  }
}

/** Reads one line without echo (raw mode); Ctrl-C cancels, Ctrl-D on an empty line gives undefined. */
function readHidden(terminal: Terminal, question: string, what = 'passphrase'): Promise<string | undefined> {
  const { input, output } = terminal;
  // Echo off before the question shows: an answer typed the moment it appears must not be echoed.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let answer = '';
    const done = (error: Error | undefined, value?: string) => {
      input.off('data', onData);
      input.setRawMode(false);
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(undefined, answer);
        if (char === '\u0003') return done(new UsageError(`Cancelled at the ${what} prompt`));
        if (char === '\u0004' && answer === '') return done(undefined, undefined);
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else if (char >= ' ') answer += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * Hidden passphrase input; undefined when there is no terminal or the user gave none. The file name can
 * come from a config or (relayed by the agent) a server's text: escaped before it reaches the terminal.
 */
export async function askPassphrase(file: string): Promise<string | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  try {
    return await readHidden(terminal, `Enter passphrase for key '${escapeControls(file)}': `);
  } finally {
    terminal.close();
  }
}

/** One echoed line; undefined on EOF (Ctrl-D). */
async function readEchoed(terminal: Terminal, question: string): Promise<string | undefined> {
  const rl = readline.createInterface({ input: terminal.input, output: terminal.output, terminal: true });
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  try {
    return await Promise.race([rl.question(question), closed]);
  } finally {
    rl.close();
  }
}

/**
 * A login question (password, one-time code, keyboard-interactive prompt): its instructions first, then
 * the prompt, read hidden unless the server asked for echo. The server's words are made safe to show.
 * undefined when there is no terminal or the person gave no answer (Ctrl-D).
 */
export async function askSecret(question: AskedQuestion): Promise<string | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  try {
    // As ssh: the prompt starts a line, so characters typed early are not taken for part of it.
    terminal.output.write('\r');
    if (question.instructions)
      terminal.output.write(`${questionText(question.instructions, MAX_INSTRUCTIONS_CHARS)}\n`);
    const prompt = questionText(question.prompt, MAX_PROMPT_CHARS);
    if (question.echo) return await readEchoed(terminal, prompt);
    return await readHidden(terminal, prompt, 'login');
  } finally {
    terminal.close();
  }
}

/** Asks until the answer is yes or no (like ssh); an empty answer or EOF is no. */
export async function askYesNo(question: string): Promise<boolean> {
  const terminal = openTerminal();
  if (!terminal) return false;
  const rl = readline.createInterface({ input: terminal.input, output: terminal.output, terminal: true });
  try {
    let prompt = question;
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = (await rl.question(prompt)).trim().toLowerCase();
      if (answer === 'yes' || answer === 'y') return true;
      if (answer === 'no' || answer === 'n' || answer === '') return false;
      prompt = "Please type 'yes' or 'no': ";
    }
    return false;
  } finally {
    rl.close();
    terminal.close();
  }
}
