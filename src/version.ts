// The version the CLI and the agent report: a CLI replaces an agent whose version differs from its own.
// Kept in step with package.json by a unit test.
export const VERSION = '0.1.0';
