import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ShareRecord, ShareRepository } from "@media/core/ports";
import type { UserShares } from "@media/core/purge";
import { TABLE, keysFor } from "@media/core/table";
import { call, queryPrefix, type Item } from "./dynamo-calls";

/**
 * The ShareRepository on the one table, with no index and no transactions (dynalite has none). A link
 * is two items (see TABLE): the owner's, under the user's partition next to the file, for listing and
 * revoking; and the public lookup, keyed by the token's hash, the only thing `GET /s/{token}` reads.
 * Both carry the table's TTL attribute (epoch seconds) so DynamoDB clears them after expiry; the exact
 * expiry (milliseconds) is checked on every read, since TTL deletes up to two days late.
 *
 * Without a transaction the two writes are ordered so that a failure half-way errs on the closed side:
 * create writes the owner's item first (a link that does not open yet, visible and revocable), revoke
 * deletes the lookup first (a dead link still listed, removed by revoking again).
 */
export interface DynamoShareRepositoryOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const A = {
  shareId: "shareId",
  userId: "userId",
  fileId: "fileId",
  tokenHash: "tokenHash",
  createdAt: "createdAt",
  expiresAtMs: "expiresAtMs",
  ttl: TABLE.timeToLiveAttribute,
} as const;

export function createDynamoShareRepository({ client, tableName }: DynamoShareRepositoryOptions): ShareRepository {
  const ownerKey = (userId: string, fileId: string, shareId: string) => ({
    [TABLE.partitionKey]: keysFor.userPartition(userId),
    [TABLE.sortKey]: keysFor.share(fileId, shareId),
  });
  const lookupKey = (tokenHash: string) => ({
    [TABLE.partitionKey]: keysFor.shareLookupPartition(tokenHash),
    [TABLE.sortKey]: keysFor.shareLookup,
  });

  const put = (item: Item) =>
    call(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          // A fresh ULID and 128 random bits never collide; the condition makes sure nothing is overwritten if they did.
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": TABLE.partitionKey },
        }),
      ),
    );
  const remove = (key: Item) => call(client.send(new DeleteCommand({ TableName: tableName, Key: key })));

  /** Every owner item of a file, expired ones included, oldest first. */
  async function ownerItems(userId: string, fileId: string): Promise<ShareRecord[]> {
    return (await queryPrefix(client, tableName, keysFor.userPartition(userId), keysFor.fileShares(fileId))).map(shareFromItem);
  }

  async function revokeOne(share: ShareRecord): Promise<void> {
    await remove(lookupKey(share.tokenHash));
    await remove(ownerKey(share.userId, share.fileId, share.shareId));
  }

  return {
    async create(share) {
      const item = toItem(share);
      await put({ ...item, ...ownerKey(share.userId, share.fileId, share.shareId) });
      try {
        await put({ ...item, ...lookupKey(share.tokenHash) });
      } catch (error) {
        // Leave nothing behind that looks like a link (if even this fails, TTL removes it).
        await remove(ownerKey(share.userId, share.fileId, share.shareId)).catch(() => undefined);
        throw error;
      }
    },

    async listForFile(userId, fileId, now) {
      return (await ownerItems(userId, fileId)).filter((s) => s.expiresAt > now);
    },

    async findByTokenHash(tokenHash) {
      // Strongly consistent: a link revoked a moment ago must not open.
      const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: lookupKey(tokenHash), ConsistentRead: true })));
      return Item ? shareFromItem(Item) : undefined;
    },

    async revoke(userId, fileId, shareId) {
      const { Item } = await call(client.send(new GetCommand({ TableName: tableName, Key: ownerKey(userId, fileId, shareId), ConsistentRead: true })));
      if (Item) await revokeOne(shareFromItem(Item));
    },

    async revokeAllForFile(userId, fileId) {
      for (const share of await ownerItems(userId, fileId)) await revokeOne(share);
    },
  };
}

/** Every owner item of a user sorts under this: `SHARE#{fileId}#{shareId}` with the fileId left out. */
const USER_SHARES_PREFIX = keysFor.fileShares("").slice(0, -1);

/**
 * A user's share links as a whole, for purging the user (`npm run purge-user`): each link's public
 * lookup is deleted before its owner item, as revoke does, so an interruption leaves no link that opens.
 */
export function createDynamoUserShares({ client, tableName }: DynamoShareRepositoryOptions): UserShares {
  async function all(userId: string): Promise<ShareRecord[]> {
    return (await queryPrefix(client, tableName, keysFor.userPartition(userId), USER_SHARES_PREFIX)).map(shareFromItem);
  }
  const remove = (key: Item) => call(client.send(new DeleteCommand({ TableName: tableName, Key: key })));
  return {
    async countUserShares(userId) {
      return (await all(userId)).length;
    },
    async revokeAllForUser(userId) {
      const shares = await all(userId);
      for (const share of shares) {
        await remove({ [TABLE.partitionKey]: keysFor.shareLookupPartition(share.tokenHash), [TABLE.sortKey]: keysFor.shareLookup });
        await remove({ [TABLE.partitionKey]: keysFor.userPartition(userId), [TABLE.sortKey]: keysFor.share(share.fileId, share.shareId) });
      }
      return shares.length;
    },
  };
}

function toItem(share: ShareRecord): Item {
  return {
    [A.shareId]: share.shareId,
    [A.userId]: share.userId,
    [A.fileId]: share.fileId,
    [A.tokenHash]: share.tokenHash,
    [A.createdAt]: share.createdAt,
    [A.expiresAtMs]: share.expiresAt,
    // TTL wants epoch seconds; rounded up so an item never disappears before its link expires.
    [A.ttl]: Math.ceil(share.expiresAt / 1000),
  };
}

function shareFromItem(item: Item): ShareRecord {
  return {
    shareId: String(item[A.shareId]),
    userId: String(item[A.userId]),
    fileId: String(item[A.fileId]),
    tokenHash: String(item[A.tokenHash]),
    createdAt: Number(item[A.createdAt]),
    expiresAt: Number(item[A.expiresAtMs]),
  };
}
