import { describe, expect, it } from "vitest";
import { localDynamoPerFile } from "@media/testing/local-dynamo";
import { createDynamoRateLimiter } from "./dynamo-rate-limiter";

/** Fixed windows counted by one conditional update, against a real DynamoDB API (dynalite). */
const dynamo = localDynamoPerFile();

describe("the DynamoDB rate limiter", () => {
  const rule = { name: "test", limit: 3, windowSeconds: 60 };
  // 10 s into a minute.
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) + 10_000;

  it("allows `limit` events a window, then says how long is left of it; the next window starts afresh", async () => {
    const limiter = createDynamoRateLimiter({ client: dynamo().baseClient, tableName: dynamo().tableName });
    for (let i = 0; i < 3; i++) expect(await limiter.take("subject-a", rule, t0 + i * 1000)).toEqual({ allowed: true });
    expect(await limiter.take("subject-a", rule, t0 + 5000)).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(await limiter.take("subject-a", rule, t0 + 49_500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another subject, and another rule for the same subject, count apart.
    expect(await limiter.take("subject-b", rule, t0)).toEqual({ allowed: true });
    expect(await limiter.take("subject-a", { ...rule, name: "other" }, t0)).toEqual({ allowed: true });
    expect(await limiter.take("subject-a", rule, t0 + 50_000)).toEqual({ allowed: true });
  });

  it("counts concurrent requests exactly", async () => {
    const limiter = createDynamoRateLimiter({ client: dynamo().baseClient, tableName: dynamo().tableName });
    const answers = await Promise.all(Array.from({ length: 10 }, () => limiter.take("subject-c", rule, t0)));
    expect(answers.filter((a) => a.allowed)).toHaveLength(3);
  });
});
