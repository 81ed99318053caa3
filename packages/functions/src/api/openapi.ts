import { openApiDocument, type OpenApiDocument } from "@media/core/contract/openapi";
import { route } from "../http";
import { publicOrigin } from "../public-origin";

// Built once per container; only `servers` depends on the request.
let document: OpenApiDocument | undefined;

export const handler = route(async (event) => {
  document ??= openApiDocument();
  return { status: 200, body: { ...document, servers: [{ url: publicOrigin(event) }] } };
});
