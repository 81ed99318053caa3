import { exportAccount } from "@media/core/account-export";
import { bearerToken, caller, route } from "../http";
import { accountExportServices } from "../roots/account-export";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const { accounts, exports, preloadStorage } = accountExportServices();
  preloadStorage();
  const { email } = await accounts.profile(bearerToken(event));
  const answer = await exportAccount(exports, { userId, email });
  // Saved as a file by browsers and `curl -OJ`; still plain JSON for scripts.
  return { status: 200, body: answer, headers: { "content-disposition": `attachment; filename="media-export-${answer.exportedAt.slice(0, 10)}.json"` } };
});
