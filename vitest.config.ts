import { defineConfig } from 'vitest/config';

// Capture tests load BPF programs and share one kernel: run files one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
