import { getFile } from "@media/core/library";
import { caller, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await getFile(libraryServices().library, userId, pathParam(event, "fileId")) };
});
