import { getFile } from "@media/core/library";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await getFile(services().library, userId, pathParam(event, "fileId")) };
});
