import { OpenShareQuery, openShare } from "@media/core/sharing";
import { pathParam, queryParams, route } from "../http";
import { services } from "../services";

/** The public side of a share link: no authorizer, the token is the credential. */
export const handler = route(async (event) => {
  const url = await openShare(services().sharing, pathParam(event, "token"), queryParams(event, OpenShareQuery));
  // The link's URL holds the token: keep it out of any Referer the next hop might see.
  return { status: 302, headers: { location: url, "referrer-policy": "no-referrer" } };
});
