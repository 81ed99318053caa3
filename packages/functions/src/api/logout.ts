import { LogoutInput } from "@media/core/accounts";
import { logout } from "@media/core/sessions";
import { bearerToken, caller, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const { refreshToken } = jsonBody(event, LogoutInput);
  await logout(authServices().sessions, { userId, accessToken: bearerToken(event), refreshToken });
  return { status: 204 };
});
