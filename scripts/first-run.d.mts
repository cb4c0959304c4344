// Types for first-run.mjs (plain JavaScript: it runs before the dependencies, TypeScript among them, exist).
export function missingDependencies(root: string): string[];
export function staleBuild(root: string): string | undefined;
export function installEnv(env: NodeJS.ProcessEnv, nodeHeadersDir: string | undefined): NodeJS.ProcessEnv;
export function firstRun(options?: {
  root?: string;
  run?: (args: string[], env: NodeJS.ProcessEnv, root: string) => number;
  log?: (line: string) => void;
  headers?: string | undefined;
}): number;
