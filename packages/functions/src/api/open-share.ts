import { OpenShareQuery, ShareUnavailableError, openShare } from "@media/core/sharing";
import { prefersHtml } from "../accept";
import { header, pathParam, queryParams, route } from "../http";
import { libraryServices } from "../roots/library";
import { sharePage } from "./share-page";

/** The public side of a share link: no authorizer, the token is the credential. */
export const handler = route(async (event) => {
  try {
    const url = await openShare(libraryServices().sharing, pathParam(event, "token"), queryParams(event, OpenShareQuery));
    // The link's URL holds the token: keep it out of any Referer the next hop might see.
    return { status: 302, headers: { location: url, "referrer-policy": "no-referrer" } };
  } catch (error) {
    // A person who opened the link in a browser reads a page; API clients keep the JSON error.
    if (error instanceof ShareUnavailableError && prefersHtml(header(event, "accept"))) return sharePage(error.reason);
    throw error;
  }
});
