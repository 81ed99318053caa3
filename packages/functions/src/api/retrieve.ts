import { ListFilesInput, listFiles } from "@media/core/library";
import { caller, queryParams, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const query = queryParams(event, ListFilesInput);
  return { status: 200, body: await listFiles(services().library, userId, query) };
});
