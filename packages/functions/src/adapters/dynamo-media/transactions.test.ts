import { TooManyRequestsError } from "@media/core/errors";
import { describe, expect, it } from "vitest";
import { createTransactions } from "./transactions";

/** The retry policy of every write, against a sender that answers as DynamoDB does under contention. */
const cancelled = (...codes: string[]) =>
  Object.assign(new Error("Transaction cancelled"), { name: "TransactionCanceledException", CancellationReasons: codes.map((Code) => ({ Code })) });

function scripted(answers: Array<Error | "ok">) {
  const calls: unknown[] = [];
  const sender = {
    async send(command: { input: unknown }) {
      calls.push(command.input);
      const answer = answers.shift() ?? "ok";
      if (answer === "ok") return {};
      throw answer;
    },
  };
  return { tx: createTransactions({ sender: sender as never, tableName: "t", maxAttempts: 4, backoffMs: 1 }), calls };
}

const put = { Put: { Item: { pk: "a", sk: "b", n: 1 } } };

describe("transactions", () => {
  it("retries a transaction cancelled for a conflict or throttling, with the same request, until it applies", async () => {
    const { tx, calls } = scripted([cancelled("TransactionConflict", "None"), cancelled("None", "ThrottlingError"), Object.assign(new Error("busy"), { name: "TransactionConflictException" }), "ok"]);
    expect(await tx.write([put, put])).toEqual({ applied: true });
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => JSON.stringify(c))).size).toBe(1);
  });

  it("answers 429 once the attempts run out, never a 500", async () => {
    const { tx, calls } = scripted(Array.from({ length: 9 }, () => cancelled("TransactionConflict")));
    const error = await tx.write([put]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(calls).toHaveLength(4);
  });

  it("hands a failed condition to the caller at once, with the reasons in action order", async () => {
    const { tx, calls } = scripted([
      Object.assign(cancelled(), { CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed", Item: { committed: { N: "990" } } }] }),
    ]);
    expect(await tx.write([put, put])).toEqual({ applied: false, reasons: [{ code: "None" }, { code: "ConditionalCheckFailed", item: { committed: 990 } }] });
    expect(calls).toHaveLength(1);
  });

  it("marshals values and asks for the item that stood in the way", async () => {
    const { tx, calls } = scripted(["ok"]);
    await tx.write([{ Update: { Key: { pk: "a", sk: "b" }, UpdateExpression: "ADD #n :v", ExpressionAttributeNames: { "#n": "n" }, ExpressionAttributeValues: { ":v": 2 } } }]);
    expect(calls[0]).toEqual({
      TransactItems: [
        {
          Update: {
            TableName: "t",
            Key: { pk: { S: "a" }, sk: { S: "b" } },
            UpdateExpression: "ADD #n :v",
            ExpressionAttributeNames: { "#n": "n" },
            ExpressionAttributeValues: { ":v": { N: "2" } },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
      ],
    });
  });

  it("lets other errors through unchanged", async () => {
    const boom = Object.assign(new Error("bad"), { name: "ValidationException" });
    const { tx } = scripted([boom]);
    expect(await tx.write([put]).catch((e: unknown) => e)).toBe(boom);
    const retried = scripted([Object.assign(new Error("t"), { name: "ThrottlingException" }), "ok"]);
    expect(await retried.tx.retrying(() => retried.tx.write([put]))).toEqual({ applied: true });
  });
});
