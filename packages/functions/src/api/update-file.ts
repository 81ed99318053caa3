import { UpdateFileInput, updateFile } from "@media/core/library";
import { caller, jsonBody, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, UpdateFileInput);
  return { status: 200, body: await updateFile(libraryServices().library, userId, pathParam(event, "fileId"), input) };
});
