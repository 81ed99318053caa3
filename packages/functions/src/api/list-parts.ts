import { listUploadedParts } from "@media/core/multipart-upload";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  return { status: 200, body: await listUploadedParts(services().upload, userId, pathParam(event, "fileId")) };
});
