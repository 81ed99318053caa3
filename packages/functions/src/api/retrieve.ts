import { ListFilesInput, listFiles } from "@media/core/library";
import { caller, queryParams, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const query = queryParams(event, ListFilesInput);
  return { status: 200, body: await listFiles(libraryServices().library, userId, query) };
});
