import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/src/**/*.test.tsx", "packages/*/test/**/*.test.ts", "stacks/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    // Stack synthesis and local servers are slow to start on 2 cores; the limits guard against hangs, not speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The SDK warns once per process that its 2027 releases will need Node 22; Lambda runs 22 already.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
