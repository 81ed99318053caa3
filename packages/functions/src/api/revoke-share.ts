import { revokeShare } from "@media/core/sharing";
import { caller, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  await revokeShare(libraryServices().sharing, userId, pathParam(event, "fileId"), pathParam(event, "shareId"));
  return { status: 204 };
});
