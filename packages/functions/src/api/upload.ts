import { PresignUploadInput, presignUpload } from "@media/core/upload";
import { caller, jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, PresignUploadInput);
  return { status: 201, body: await presignUpload(services().upload, userId, input) };
});
