import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "stacks/**/*.test.ts", "test/**/*.test.ts"],
    // Stack synthesis and local servers are slow to start on 2 cores; the limits guard against hangs, not speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
