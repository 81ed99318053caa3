import { endEverySession } from "@media/core/account-security";
import { bearerToken, caller, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  await endEverySession(authServices().security, { userId, accessToken: bearerToken(event) });
  return { status: 204 };
});
