import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TooManyRequestsError } from "@media/core/errors";
import { newFileId } from "@media/core/ids";
import type { ShareRecord } from "@media/core/ports";
import { hashShareToken, newShareToken } from "@media/core/sharing";
import { TABLE, keysFor } from "@media/core/table";
import { describe, expect, it } from "vitest";
import { localDynamoPerFile } from "@media/testing/local-dynamo";
import { createDynamoMediaRepository } from "./dynamo-media-repository";
import { createDynamoShareRepository } from "./dynamo-share-repository";

const db = localDynamoPerFile();

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const repo = () => createDynamoShareRepository({ client: db().client, tableName: db().tableName });

function share(overrides: Partial<ShareRecord> = {}): ShareRecord {
  const createdAt = overrides.createdAt ?? T0;
  return {
    shareId: newFileId(createdAt),
    userId: randomUUID(),
    fileId: newFileId(T0 - 1000),
    tokenHash: hashShareToken(newShareToken()),
    createdAt,
    expiresAt: createdAt + 3600_500,
    ...overrides,
  };
}

async function raw(pk: string, sk: string) {
  const { Item } = await db().client.send(new GetCommand({ TableName: db().tableName, Key: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk }, ConsistentRead: true }));
  return Item;
}

/** Like the real client, except for commands `fail` picks, which throw `error`. */
function failingClient(fail: (command: unknown) => boolean, error: Error): DynamoDBDocumentClient {
  return new Proxy(db().client, {
    get(target, prop, receiver) {
      if (prop === "send") {
        return async (command: unknown) => {
          if (fail(command)) throw error;
          return target.send(command as never);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe("createDynamoShareRepository against dynalite", () => {
  it("stores a link as the owner's item and the token-hash lookup, both with the TTL in epoch seconds, never a token", async () => {
    const s = share();
    await repo().create(s);
    const owner = await raw(keysFor.userPartition(s.userId), keysFor.share(s.fileId, s.shareId));
    const lookup = await raw(keysFor.shareLookupPartition(s.tokenHash), keysFor.shareLookup);
    for (const item of [owner, lookup]) {
      expect(item).toMatchObject({ shareId: s.shareId, userId: s.userId, fileId: s.fileId, tokenHash: s.tokenHash, createdAt: T0, expiresAtMs: s.expiresAt });
      // Rounded up: DynamoDB never removes an item before its link has expired.
      expect(item![TABLE.timeToLiveAttribute]).toBe(Math.ceil(s.expiresAt / 1000));
    }
    expect(owner![TABLE.sortKey]).toBe(`SHARE#${s.fileId}#${s.shareId}`);
    expect(lookup![TABLE.partitionKey]).toBe(`SHARE#${s.tokenHash}`);
    expect(await repo().findByTokenHash(s.tokenHash)).toEqual(s);
    expect(await repo().findByTokenHash(hashShareToken(newShareToken()))).toBeUndefined();
  });

  it("lists a file's unexpired links oldest first, page after page, and nothing of other files or users", async () => {
    const userId = randomUUID();
    const fileId = newFileId(T0);
    const links: ShareRecord[] = [];
    // Enough items (with padding) that a Query answers in more than one 1 MB page.
    const padding = "x".repeat(300_000);
    for (let i = 0; i < 5; i++) {
      const s = share({ userId, fileId, createdAt: T0 + i, expiresAt: T0 + (i === 2 ? 10 : 3600_000) });
      links.push(s);
      await repo().create(s);
      await db().client.send(new PutCommand({ TableName: db().tableName, Item: { ...(await raw(keysFor.userPartition(userId), keysFor.share(fileId, s.shareId))), padding } }));
    }
    await repo().create(share({ userId, fileId: newFileId(T0 + 5) }));
    await repo().create(share({ fileId }));
    const pages = await db().client.send(
      new QueryCommand({
        TableName: db().tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":pk": keysFor.userPartition(userId), ":p": keysFor.fileShares(fileId) },
      }),
    );
    expect(pages.LastEvaluatedKey).toBeDefined();
    const listed = await repo().listForFile(userId, fileId, T0 + 10);
    expect(listed.map((s) => s.shareId)).toEqual([links[0], links[1], links[3], links[4]].map((s) => s!.shareId));
    expect((await repo().listForFile(userId, fileId, T0 + 9)).map((s) => s.shareId)).toEqual(links.map((s) => s.shareId));
  });

  it("revokes the lookup and the owner's item; again, or for another user or file, changes nothing", async () => {
    const s = share();
    const other = share({ userId: s.userId, fileId: s.fileId });
    await repo().create(s);
    await repo().create(other);
    await repo().revoke(randomUUID(), s.fileId, s.shareId);
    await repo().revoke(s.userId, newFileId(T0), s.shareId);
    expect(await repo().findByTokenHash(s.tokenHash)).toEqual(s);
    await repo().revoke(s.userId, s.fileId, s.shareId);
    await repo().revoke(s.userId, s.fileId, s.shareId);
    expect(await repo().findByTokenHash(s.tokenHash)).toBeUndefined();
    expect(await raw(keysFor.userPartition(s.userId), keysFor.share(s.fileId, s.shareId))).toBeUndefined();
    expect((await repo().listForFile(s.userId, s.fileId, T0)).map((x) => x.shareId)).toEqual([other.shareId]);
  });

  it("revokes every link of a file, expired ones included, and no other file's", async () => {
    const userId = randomUUID();
    const fileId = newFileId(T0);
    const keep = share({ userId });
    const gone = [share({ userId, fileId }), share({ userId, fileId, expiresAt: T0 + 1 })];
    for (const s of [keep, ...gone]) await repo().create(s);
    await repo().revokeAllForFile(userId, fileId);
    for (const s of gone) {
      expect(await repo().findByTokenHash(s.tokenHash)).toBeUndefined();
      expect(await raw(keysFor.userPartition(userId), keysFor.share(fileId, s.shareId))).toBeUndefined();
    }
    expect(await repo().findByTokenHash(keep.tokenHash)).toEqual(keep);
    await repo().revokeAllForFile(userId, fileId);
  });

  it("a failed lookup write leaves no owner item behind; the file listing never sees share items", async () => {
    const s = share();
    const failing = createDynamoShareRepository({
      client: failingClient((c) => c instanceof PutCommand && String(c.input.Item?.[TABLE.partitionKey]).startsWith("SHARE#"), new Error("connection reset")),
      tableName: db().tableName,
    });
    await expect(failing.create(s)).rejects.toThrow("connection reset");
    expect(await raw(keysFor.userPartition(s.userId), keysFor.share(s.fileId, s.shareId))).toBeUndefined();
    expect(await repo().findByTokenHash(s.tokenHash)).toBeUndefined();

    await repo().create(share({ userId: s.userId }));
    const media = createDynamoMediaRepository({ client: db().client, tableName: db().tableName });
    expect(await media.list(s.userId, { limit: 10 }, T0)).toEqual({ records: [] });
  });

  it("throttling is a 429", async () => {
    const throttled = Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });
    const failing = createDynamoShareRepository({ client: failingClient(() => true, throttled), tableName: db().tableName });
    await expect(failing.findByTokenHash("x")).rejects.toBeInstanceOf(TooManyRequestsError);
  });
});
