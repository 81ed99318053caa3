import { listShares } from "@media/core/sharing";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await listShares(services().sharing, userId, pathParam(event, "fileId")) };
});
