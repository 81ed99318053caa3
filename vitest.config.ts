import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * The stack tests: nearly every one loads aws-cdk-lib and sst (stacks/synth.ts), which takes a process
 * longer than most of those files' own work. They run in worker threads that each take file after file
 * (isolate off), so the two libraries load once per thread instead of once per file; the threads pool
 * serves these files alone, beside the forks that run the rest. Two threads: the app's bundled synthesis
 * (stacks.test.ts) is the longest file, and the others finish beside it.
 */
const STACK_TESTS = ["stacks/**/*.test.ts"];
/**
 * Tests of pure code: packages/core's, and the other files that start no server or process, touch no
 * disk, environment or clock and mock nothing. Each file gets a fresh module context (vmThreads: a VM
 * context per file in a shared worker thread) instead of a fresh process: the same isolation for module
 * state (ids.ts's monotonic generator, for one, must start fresh in each file), without a process start
 * and vitest's set-up per file. At load average 11 to 15, `npx vitest run packages/core/src` took 22 to
 * 26 s of CPU in forks and 10 to 11 s here; the files listed, 19.1 s and 9.3 s. A file not listed runs in
 * a process of its own, which always works.
 */
const PURE_TESTS = [
  "packages/core/src/**/*.test.ts",
  "packages/functions/src/media/budget.test.ts",
  "packages/functions/src/config.test.ts",
  "packages/functions/src/accept.test.ts",
  "packages/functions/src/adapters/dynamo-media/transactions.test.ts",
  "packages/local/src/gateway/authorizer-cache.test.ts",
  "packages/local/src/storage/s3-xml.test.ts",
  "packages/local/src/storage/post-policy.test.ts",
  "packages/local/src/storage/range.test.ts",
  "packages/local/src/storage/cors.test.ts",
  "packages/local/src/storage/aws-chunked.test.ts",
  "packages/local/src/storage/s3-events.test.ts",
  "packages/local/src/storage/checksums.test.ts",
  "packages/local/src/storage/sigv4.test.ts",
  "packages/local/src/iam/local-iam.test.ts",
  "packages/local/src/iam/policy.test.ts",
  "packages/local/src/iam/signing-keys.test.ts",
  "packages/client/src/upload-body.test.ts",
  "packages/client/src/transport.test.ts",
  "scripts/ops/dead-letters-aws.test.ts",
  "scripts/ops/progress.test.ts",
];

export default defineConfig({
  test: {
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
    // Read by the threads pool as a whole (vitest takes pool options from the root config): only the
    // stack project below uses threads. With isolate off, a thread keeps the modules it loaded, its own
    // (stacks/*.ts) included, from one file to the next; each file restores the environment it sets.
    poolOptions: { threads: { isolate: false, maxThreads: 2, minThreads: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit-and-integration",
          exclude: [...PURE_TESTS, "**/node_modules/**"],
          include: ["packages/*/src/**/*.test.ts", "packages/*/src/**/*.test.tsx", "packages/*/test/**/*.test.ts", "scripts/**/*.test.ts"],
        },
      },
      { extends: true, test: { name: "stacks", include: STACK_TESTS, pool: "threads" } },
      { extends: true, test: { name: "pure", include: PURE_TESTS, pool: "vmThreads" } },
    ],
  },
});
