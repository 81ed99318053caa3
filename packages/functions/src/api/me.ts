import { usageOf } from "@media/core/usage";
import { bearerToken, caller, route } from "../http";
import { accountServices } from "../roots/account";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const { accounts, usage: deps } = accountServices();
  const [profile, { usage, limits }] = await Promise.all([accounts.profile(bearerToken(event)), usageOf(deps, userId)]);
  return { status: 200, body: { userId, email: profile.email, usage, limits } };
});
