// A login question at a real terminal (a pseudo-terminal from util-linux `script`): the server's
// instructions first, then its prompt, both made safe (no escape sequence reaches the screen); a
// hidden answer is not echoed, an echoed one is; the answer comes back whole.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROMPT_MODULE = fileURLToPath(new URL('../../dist/cli/prompt.js', import.meta.url));

/** Runs askSecret(question) on a pseudo-terminal, typing `answer` once `ready` shows. */
function onTerminal(
  question: object,
  ready: RegExp,
  answer: string,
): Promise<{ screen: string; code: number | null }> {
  const program = `import(${JSON.stringify(PROMPT_MODULE)}).then(async (m) => {
    const value = await m.askSecret(${JSON.stringify(question)});
    process.stdout.write('\\nANSWER=' + JSON.stringify(value) + '\\n');
  })`;
  const command = `'${process.execPath}' --input-type=module -e '${program.replaceAll("'", "'\\''")}'`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let typed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    if (!typed && ready.test(screen)) {
      typed = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ screen, code });
    }),
  );
}

describe('askSecret at a terminal', () => {
  it('shows the instructions, then the prompt, without the escape sequences; the code is not echoed', async () => {
    const { screen, code } = await onTerminal(
      {
        prompt: '\u001b]0;pwned\u0007\u001b[31mVerification code:\u001b[0m ',
        echo: false,
        instructions: 'Duo two-factor login\u001b[2J',
      },
      /Verification code: $/,
      '314159',
    );
    expect(code).toBe(0);
    expect(screen).toContain('Duo two-factor login');
    expect(screen.indexOf('Duo two-factor login')).toBeLessThan(screen.indexOf('Verification code:'));
    expect(screen).not.toContain('\u001b]0;pwned');
    expect(screen).not.toContain('\u001b[2J');
    expect(screen).not.toContain('\u001b[31m');
    expect(screen).toContain('ANSWER="314159"');
    expect(screen.split('ANSWER=')[0]).not.toContain('314159');
  });

  it('an echoed question shows what is typed', async () => {
    const { screen } = await onTerminal({ prompt: 'Username: ', echo: true }, /Username: /, 'alice');
    expect(screen.split('ANSWER=')[0]).toContain('alice');
    expect(screen).toContain('ANSWER="alice"');
  });
});
