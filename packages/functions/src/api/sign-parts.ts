import { SignPartsInput, signParts } from "@media/core/multipart-upload";
import { caller, jsonBody, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, SignPartsInput);
  return { status: 200, body: await signParts(services().upload, userId, pathParam(event, "fileId"), input) };
});
