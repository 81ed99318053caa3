import { deleteFile } from "@media/core/library";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  await deleteFile(services().library, userId, pathParam(event, "fileId"));
  return { status: 204 };
});
