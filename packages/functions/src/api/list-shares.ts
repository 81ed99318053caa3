import { listShares } from "@media/core/sharing";
import { caller, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await listShares(libraryServices().sharing, userId, pathParam(event, "fileId")) };
});
