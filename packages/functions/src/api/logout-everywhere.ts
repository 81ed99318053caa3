import { endEverySession } from "@media/core/account-security";
import { bearerToken, caller, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  await endEverySession(services().security, { userId, accessToken: bearerToken(event) });
  return { status: 204 };
});
