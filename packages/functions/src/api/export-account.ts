import { exportAccount } from "@media/core/account-export";
import { bearerToken, caller, route } from "../http";
import { accountDataServices } from "../roots/account-data";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const { accounts, exports } = accountDataServices();
  const { email } = await accounts.profile(bearerToken(event));
  const manifest = await exportAccount(exports, { userId, email });
  // Saved as a file by browsers and `curl -OJ`; still plain JSON for scripts.
  return { status: 200, body: manifest, headers: { "content-disposition": `attachment; filename="media-export-${manifest.exportedAt.slice(0, 10)}.json"` } };
});
