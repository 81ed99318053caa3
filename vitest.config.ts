import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/src/**/*.test.tsx", "packages/*/test/**/*.test.ts", "stacks/**/*.test.ts", "scripts/**/*.test.ts"],
    // Stack synthesis and local servers are slow to start on 2 cores, slower still while other work holds
    // them (a runtime that starts in 2 s idle took 20 s at a load average of 24); the limits guard
    // against hangs, not speed. The longest test, the web app's journey in Chromium, takes about 65 s on
    // idle cores and timed out at 180 s in a full run beside other work: 10 minutes leaves it room.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    // Vitest's default is one worker less than the cores: on 2 cores, one file at a time. Most of the slow
    // files wait rather than compute (on a runtime, a browser, a spawned command), so one worker more than
    // the cores keeps both busy; each file still has a process of its own.
    maxWorkers: availableParallelism() + 1,
    minWorkers: 1,
    // Output of the code under test is shown only for failing tests (packages/testing/src/quiet-output.ts).
    setupFiles: ["packages/testing/src/quiet-output.ts"],
    // expect.poll waits for what a test cannot subscribe to (a page's text); its default of 1 s fails on
    // a busy machine. Like the limits above, a guard against hangs.
    expect: { poll: { timeout: 30_000 } },
    // The SDK warns once per process that its 2027 releases will need Node 22; Lambda runs 22 already.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
