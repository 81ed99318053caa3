import { CreateShareInput, createShare } from "@media/core/sharing";
import { caller, jsonBody, pathParam, route, validate } from "../http";
import { publicOrigin } from "../public-origin";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  // Every field has a default, so an empty body asks for a link with the default lifetime.
  const input = (event.body ?? "").trim() === "" ? validate(CreateShareInput, {}) : jsonBody(event, CreateShareInput);
  const share = await createShare(libraryServices().sharing, userId, pathParam(event, "fileId"), input, publicOrigin(event));
  return { status: 201, body: share };
});
