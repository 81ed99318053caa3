import { downloadUrl } from "@media/core/library";
import { caller, pathParam, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const url = await downloadUrl(services().library, userId, pathParam(event, "fileId"));
  return { status: 302, headers: { location: url } };
});
