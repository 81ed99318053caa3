import { describeShare, OpenShareQuery, ShareUnavailableError, openShare } from "@media/core/sharing";
import { prefersHtml } from "../accept";
import { header, pathParam, queryParams, route } from "../http";
import { libraryServices } from "../roots/library";
import { sharedFilePage, sharePage } from "./share-page";

/** The public side of a share link: no authorizer, the token is the credential. */
export const handler = route(async (event) => {
  const html = prefersHtml(header(event, "accept"));
  try {
    const query = queryParams(event, OpenShareQuery);
    // A person who opened the link in a browser lands on a page with the file; its picture, player and
    // download button come back here without asking for HTML, and are sent on to storage.
    if (html && !query.download) return sharedFilePage(await describeShare(libraryServices().sharing, pathParam(event, "token")));
    const url = await openShare(libraryServices().sharing, pathParam(event, "token"), query);
    // The link's URL holds the token: keep it out of any Referer the next hop might see.
    return { status: 302, headers: { location: url, "referrer-policy": "no-referrer" } };
  } catch (error) {
    // A person who opened the link in a browser reads a page; API clients keep the JSON error.
    if (error instanceof ShareUnavailableError && html) return sharePage(error.reason);
    throw error;
  }
});
