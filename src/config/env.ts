// Small facts the CLI reads from the environment (kept here: config/ is the one place env is read).

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorWanted(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY === true && !env.NO_COLOR;
}
