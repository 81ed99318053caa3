import { downloadUrl } from "@media/core/library";
import { caller, pathParam, route } from "../http";
import { libraryServices } from "../roots/library";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const url = await downloadUrl(libraryServices().library, userId, pathParam(event, "fileId"));
  return { status: 302, headers: { location: url } };
});
