// Small commander helpers shared by the commands.

/** Accumulates a repeatable option into an array. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
