import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real sshd processes and bind real ports: run files one at a time
    // so two suites never race for the same simulator resources on a 2-core machine.
    fileParallelism: false,
    reporters: ['default'],
    // Fails the run when a test leaves a tunnel-… file or directory in the temporary directory.
    globalSetup: ['test/tmp-guard.ts'],
  },
});
