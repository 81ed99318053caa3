import { revokeShare } from "@media/core/sharing";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  await revokeShare(services().sharing, userId, pathParam(event, "fileId"), pathParam(event, "shareId"));
  return { status: 204 };
});
