import { changePassword, ChangePasswordInput } from "@media/core/account-security";
import { bearerToken, caller, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, ChangePasswordInput);
  await changePassword(authServices().security, { userId, accessToken: bearerToken(event), ...input });
  return { status: 204 };
});
