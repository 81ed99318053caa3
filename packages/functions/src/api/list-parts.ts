import { listUploadedParts } from "@media/core/multipart-upload";
import { caller, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await listUploadedParts(libraryServices().upload, userId, pathParam(event, "fileId")) };
});
