// Types for vitest.mjs (plain JavaScript, like first-run.mjs).
export function vitestEnv(stdoutIsTTY: boolean | undefined, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
