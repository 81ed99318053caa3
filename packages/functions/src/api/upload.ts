import { PresignUploadInput, presignUpload } from "@media/core/upload";
import { caller, jsonBody, route } from "../http";
import { addToLogScope, log } from "../log";
import { metrics } from "../metrics-sink";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, PresignUploadInput);
  const result = await presignUpload(libraryServices().upload, userId, input);
  // The fileId joins this request's lines to the indexer's, which log it for the object's event.
  addToLogScope({ fileId: result.fileId });
  log.info("upload presigned", { contentType: input.contentType, size: input.size });
  metrics().count("UploadsPresigned");
  return { status: 201, body: result };
});
