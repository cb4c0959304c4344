// The line a login shell prints just before it execs the program (program.ts): everything a profile printed
// comes before it, so the program's output is what follows. Pure; the streaming filter holds chunks back
// until the marker went by.

/** Printed by the login shell just before it execs the program: what its profile printed comes before. */
export const RUN_MARKER = 'tunnel-run-7c1f2a';

/** The text after the marker line; undefined when the shell never got as far as printing the marker. */
export function afterMarker(text: string): string | undefined {
  const line = `${RUN_MARKER}\n`;
  if (text.startsWith(line)) return text.slice(line.length);
  const at = text.indexOf(`\n${line}`);
  return at === -1 ? undefined : text.slice(at + 1 + line.length);
}

/** The streaming side of afterMarker: holds chunks back until the marker line went by. */
export class MarkerFilter {
  private held = '';
  private open = false;

  pass(chunk: Buffer): Buffer {
    if (this.open) return chunk;
    this.held += chunk.toString('latin1');
    const rest = afterMarker(this.held);
    if (rest === undefined) {
      // Keep only what could still be the start of the marker line.
      if (this.held.length > 64 * 1024) this.held = this.held.slice(-(RUN_MARKER.length + 2));
      return Buffer.alloc(0);
    }
    this.open = true;
    this.held = '';
    return Buffer.from(rest, 'latin1');
  }
}
