// Bench-only request tracing, loaded into the runtime with `node --require` (runtime-process.ts does it when
// BENCH_TRACE_DIR is set), so it runs in the main thread and in every worker thread (the local DynamoDB's)
// without any change to the runtime's code. CommonJS because `--require` is the preload that Node applies
// to worker threads too (`--import` is not, on Node 20).
//
// Each thread appends newline-delimited JSON to BENCH_TRACE_DIR/trace-<pid>-<thread>.ndjson:
//   {k:"srv", t0, t1, target?, inv?, attempt?, id?}   a request this thread served (start/finish, epoch ms)
//   {k:"cli", t0, t1, target, inv, attempt, parent}   an HTTP request this thread sent (the SDK's calls)
//   {k:"gc", t0, ms, kind}                            a GC pause of this thread's isolate
//   {k:"tx", id, step, t}                             a step of a local DynamoDB transaction (transact-write.ts)
//   {k:"eld", ..., cpu}                               each second: event-loop delay, and the thread's CPU and run-queue ms so far
// `parent` is the `id` of the served request whose handling sent the call (AsyncLocalStorage), so a
// gateway request's SDK calls, and through `inv`/`attempt` (the SDK's amz-sdk-invocation-id and
// amz-sdk-request headers) their service in the DynamoDB thread, can be joined afterwards.
"use strict";
const dir = process.env.BENCH_TRACE_DIR;
if (dir) {
  const { appendFileSync } = require("node:fs");
  const { join } = require("node:path");
  const dc = require("node:diagnostics_channel");
  const { AsyncLocalStorage } = require("node:async_hooks");
  const { performance, PerformanceObserver, monitorEventLoopDelay } = require("node:perf_hooks");
  const { threadId } = require("node:worker_threads");

  const file = join(dir, `trace-${process.pid}-${threadId}.ndjson`);
  const { readFileSync } = require("node:fs");
  // One clock for every thread and process of the run: CLOCK_MONOTONIC, in ms (performance.timeOrigin is per thread).
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const now = () => offset + performance.now();
  // This thread's time on a CPU and waiting for one (run queue), ns, from the kernel: how much the machine's
  // other work kept it off the cores.
  const schedstat = () => {
    try {
      const [run, wait] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
      return { run: run / 1e6, wait: wait / 1e6 };
    } catch {
      return undefined;
    }
  };
  let lines = [];
  const flush = () => {
    if (lines.length === 0) return;
    appendFileSync(file, lines.join("\n") + "\n");
    lines = [];
  };
  const record = (entry) => lines.push(JSON.stringify(entry));

  const als = new AsyncLocalStorage();
  let nextId = 0;
  const served = new WeakMap();
  const sent = new WeakMap();
  const attemptOf = (value) => {
    const m = /attempt=(\d+)/.exec(String(value ?? ""));
    return m ? Number(m[1]) : undefined;
  };

  // When each connection was accepted, and how many requests it has carried.
  const sockets = new WeakMap();
  dc.subscribe("net.server.socket", ({ socket }) => sockets.set(socket, { accepted: now(), requests: 0 }));
  dc.subscribe("http.server.request.start", ({ request, response }) => {
    const id = `${threadId}:${nextId++}`;
    const h = request.headers;
    const conn = sockets.get(request.socket);
    if (conn) conn.requests += 1;
    served.set(response, { k: "srv", id, t0: now(), accepted: conn?.accepted, nth: conn?.requests, target: h["x-amz-target"], inv: h["amz-sdk-invocation-id"], attempt: attemptOf(h["amz-sdk-request"]), bench: h["x-bench-request"], path: h["x-amz-target"] ? undefined : request.url });
    // The handling of this request (and every SDK call it makes) runs in this context from here on.
    als.enterWith(id);
  });
  dc.subscribe("http.server.response.finish", ({ response }) => {
    const entry = served.get(response);
    if (!entry) return;
    entry.t1 = now();
    entry.status = response.statusCode;
    record(entry);
  });
  dc.subscribe("http.client.request.start", ({ request }) => {
    sent.set(request, {
      k: "cli",
      t0: now(),
      target: request.getHeader("x-amz-target"),
      inv: request.getHeader("amz-sdk-invocation-id"),
      attempt: attemptOf(request.getHeader("amz-sdk-request")),
      parent: als.getStore(),
    });
  });
  dc.subscribe("http.client.response.finish", ({ request, response }) => {
    const entry = sent.get(request);
    if (!entry) return;
    entry.t1 = now();
    entry.status = response.statusCode;
    record(entry);
  });

  // The local DynamoDB's transactions, step by step (transact-write.ts publishes them).
  dc.subscribe("media.local-dynamo.transact-step", ({ step }) => record({ k: "tx", id: als.getStore(), step, t: now() }));

  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) record({ k: "gc", t0: offset + e.startTime, ms: e.duration, kind: e.detail?.kind });
  });
  gc.observe({ entryTypes: ["gc"] });

  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const timer = setInterval(() => {
    const q = (p) => eld.percentile(p) / 1e6;
    record({ k: "eld", t: now(), p50: q(50), p99: q(99), max: eld.max / 1e6, mean: eld.mean / 1e6, n: eld.count, cpu: schedstat() });
    eld.reset();
    flush();
  }, 1000);
  timer.unref();
  process.on("exit", flush);
}
