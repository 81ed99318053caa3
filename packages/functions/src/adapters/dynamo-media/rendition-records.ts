import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { RenditionState } from "@media/core/media-record";
import type { RenditionRecords } from "@media/core/renditions/ports";
import { TABLE } from "@media/core/table";
import { call } from "../dynamo-calls";
import type { RepositoryContext } from "./context";
import { ATTR, fileKey } from "./item-codec";
import { definedOnly, Expr } from "./expressions";

/**
 * The renditions' state on a file's record: one conditional UpdateItem (1 WCU), written only while the
 * record is ready and describes the rendered object. It moves no usage: derived bytes are not counted
 * against the quota (see the README's "Renditions"), so the usage item is not touched.
 */
export function renditionRecords(ctx: Pick<RepositoryContext, "client" | "tableName">): RenditionRecords {
  return {
    async save(userId, fileId, eTag, state: RenditionState) {
      const x = new Expr();
      const condition = [`attribute_exists(${x.name(TABLE.partitionKey)})`, `${x.name(ATTR.status)} = ${x.value("ready")}`, x.equals(ATTR.eTag, eTag)].join(" AND ");
      try {
        await call(
          ctx.client.send(
            new UpdateCommand({
              TableName: ctx.tableName,
              Key: fileKey(userId, fileId),
              UpdateExpression: `SET ${x.name("renditions")} = ${x.value(definedOnly({ ...state }))}`,
              ConditionExpression: condition,
              ...x.params(),
            }),
          ),
        );
        return "updated";
      } catch (error) {
        if (error instanceof Error && error.name === "ConditionalCheckFailedException") return "unchanged";
        throw error;
      }
    },
  };
}
