import { CompleteUploadInput, completeUpload } from "@media/core/multipart-upload";
import { caller, jsonBody, pathParam, route } from "../http";
import { log } from "../log";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, CompleteUploadInput);
  const file = await completeUpload(libraryServices().upload, userId, pathParam(event, "fileId"), input);
  log.info("multipart upload completed", { fileId: file.fileId, parts: input.parts.length });
  return { status: 200, body: file };
});
