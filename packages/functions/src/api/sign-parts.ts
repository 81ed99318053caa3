import { SignPartsInput, signParts } from "@media/core/multipart-upload";
import { caller, jsonBody, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, SignPartsInput);
  return { status: 200, body: await signParts(libraryServices().upload, userId, pathParam(event, "fileId"), input) };
});
