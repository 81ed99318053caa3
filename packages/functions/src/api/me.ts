import { usageOf } from "@media/core/library";
import { bearerToken, caller, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const { accounts, library } = services();
  const [profile, { usage, limits }] = await Promise.all([accounts.profile(bearerToken(event)), usageOf(library, userId)]);
  return { status: 200, body: { userId, email: profile.email, usage, limits } };
});
